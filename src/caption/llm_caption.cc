#include "caption/llm_caption.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <random>
#include <set>
#include <thread>

#include "core/fs_ops.h"
#include "tagforge/caption.h"

namespace tagforge {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

std::string fill(std::string text, const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [key, value] : values) {
    const std::string mark = "{" + key + "}";
    for (size_t at = 0; (at = text.find(mark, at)) != std::string::npos; at += value.size()) {
      text.replace(at, mark.size(), value);
    }
  }
  return text;
}

// The tags as words ("long_hair" -> "long hair"): attempt 0 all in the list's
// order; each later attempt a fifth fewer (never under two fifths), shuffled by its seed.
std::string tag_words(const TagList& tags, const TagDb& db, int attempt, uint64_t seed) {
  std::vector<std::string> words;
  for (size_t i = 0; i < tags.tags.size(); ++i) {
    std::string w(tags.name(i, db));
    std::replace(w.begin(), w.end(), '_', ' ');
    words.push_back(std::move(w));
  }
  if (attempt > 0) {
    std::mt19937_64 rng(seed);
    std::shuffle(words.begin(), words.end(), rng);
    const double keep = std::max(0.4, 1.0 - 0.2 * attempt);
    words.resize(std::max<size_t>(std::min<size_t>(words.size(), 1), size_t(double(words.size()) * keep + 0.5)));
  }
  return fmt::format("{}", fmt::join(words, ", "));
}

constexpr const char* kCaptionSchema =
    R"({"type":"object","properties":{"caption":{"type":"string"}},"required":["caption"],"additionalProperties":false})";

// The facts a rewrite must not lose: who and how many, hair and eye colours, clothing, pose.
bool is_key_role(Role r) {
  return r == Role::kSubject || r == Role::kHairColor || r == Role::kEyeColor || r == Role::kClothing ||
         r == Role::kPose;
}

std::string trimmed(std::string s) {
  const size_t b = s.find_first_not_of(" \t\r\n\"");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n\"");
  return s.substr(b, e - b + 1);
}

}  // namespace

Result<PromptTemplates> PromptTemplates::load(const fs::path& dir) {
  PromptTemplates p;
  for (auto [name, into] : {std::pair{"stage1_system.txt", &p.system}, std::pair{"stage1.txt", &p.stage1},
                            std::pair{"loopback.txt", &p.loopback}, std::pair{"quadrant.txt", &p.quadrant},
                            std::pair{"rewrite.txt", &p.rewrite}}) {
    auto text = read_whole_file(dir / name, "prompt template");
    if (!text) return text.error();
    *into = std::move(*text);
  }
  return p;
}

std::string PromptTemplates::identity() const {
  return system + "\x1f" + stage1 + "\x1f" + loopback + "\x1f" + quadrant + "\x1f" + rewrite;
}

std::string caption_in_answer(const std::string& text) {
  if (auto object = extract_json_object(text)) {
    const json j = json::parse(*object, nullptr, false);
    if (j.is_object() && j.contains("caption") && j["caption"].is_string()) return trimmed(j["caption"].get<std::string>());
  }
  const size_t brace = text.find('{');
  if (brace != std::string::npos && text.find("\"caption\"", brace) != std::string::npos) return "";  // broken JSON
  return trimmed(text);
}

Result<std::unique_ptr<LlmCaptioner>> LlmCaptioner::open(const LlmCaptionConfig& config, PromptTemplates prompts,
                                                         const TagDb& db, const Lexicon& lexicon,
                                                         const ScoreOptions& score) {
  std::unique_ptr<LlmCaptioner> c(new LlmCaptioner(config, std::move(prompts), db, lexicon, score));
  for (auto [e, into, name] : {std::tuple{&config.local, &c->local_, "local"},
                               std::tuple{&config.remote, &c->remote_, "remote"}}) {
    if (e->base_url.empty()) continue;
    auto client = LlmClient::open(*e);
    if (!client) return Error{client.error().code, fmt::format("[caption.llm.{}] {}", name, client.error().message), {}};
    *into = std::move(*client);
  }
  return c;
}

LlmClient* LlmCaptioner::route(const LlmCaptionItem& item, std::string* name) const {
  if (item.nsfw >= c_.nsfw_threshold || item.nsfw < 0) {
    if (local_ || item.nsfw >= 0) {
      *name = "local";
      return local_.get();
    }
    *name = "remote";  // no score and no local endpoint: the one there is
    return remote_.get();
  }
  *name = remote_ ? "remote" : "local";
  return remote_ ? remote_.get() : local_.get();
}

std::string LlmCaptioner::ask(LlmClient& client, ChatRequest r, int64_t seed, std::string& error,
                              bool* request_failed, bool* transient) const {
  if (seed >= 0) r.seed = seed;
  r.temperature = c_.temperature;
  r.max_tokens = c_.max_tokens;
  r.schema_json = kCaptionSchema;
  auto answer = client.chat(r);
  if (!answer) {
    error = answer.error().message;
    if (request_failed) *request_failed = true;
    if (transient) *transient = answer.error().code == ErrorCode::kIo;  // LlmClient: a retryable failure
    return "";
  }
  if (answer->refused) {
    error = "refused";
    return "";
  }
  std::string caption = caption_in_answer(answer->text);
  if (caption.empty()) {
    error = "no caption in the answer";
    if (transient) *transient = true;  // malformed: asked again like a server error
  }
  return caption;
}

int LlmCaptioner::stage_one(const LlmCaptionItem& item, LlmClient& client, const std::string& name,
                            std::vector<LlmAttempt>& attempts) const {
  int best = -1;  // index into attempts
  for (int k = 0; k <= c_.max_loopbacks; ++k) {
    LlmAttempt a;
    a.endpoint = name;
    a.seed = c_.seed < 0 ? -1 : int64_t(c_.seed) + k;
    ChatRequest r;
    r.system = prompts_.system;
    const std::string tags = tag_words(*item.tags, db_, k, uint64_t(a.seed < 0 ? k : a.seed));
    const LlmAttempt* last = attempts.empty() ? nullptr : &attempts.back();
    if (!last || last->caption.empty()) {
      r.prompt = fill(prompts_.stage1, {{"tags", tags}, {"caption", item.deterministic}});
    } else {
      auto listed = [](const std::vector<std::string>& v, const char* sep) {
        return v.empty() ? std::string("nothing") : fmt::format("{}", fmt::join(v, sep));
      };
      r.prompt = fill(prompts_.loopback, {{"tags", tags},
                                          {"caption", item.deterministic},
                                          {"previous", last->caption},
                                          {"missing", listed(last->missing, ", ")},
                                          {"contradicted", listed(last->contradicted, "; ")}});
    }
    r.image_jpeg = item.image_jpeg;
    a.caption = ask(client, std::move(r), a.seed, a.error, &a.request_failed, &a.transient);
    if (a.request_failed) {
      attempts.push_back(std::move(a));
      break;  // the client has retried already: the endpoint is down for now
    }
    if (a.error.empty()) {
      const CaptionScore s = score_caption(a.caption, *item.tags, db_, lexicon_, score_);
      a.overall = s.overall;
      a.missing = s.missing;
      a.contradicted = s.contradicted;
    }
    attempts.push_back(std::move(a));
    const LlmAttempt& got = attempts.back();
    if (!got.error.empty()) continue;
    if (best < 0 || got.overall > attempts[size_t(best)].overall) best = int(attempts.size()) - 1;
    if (got.overall >= c_.loop_threshold) break;
  }
  return best;
}

LlmCaptionOutcome LlmCaptioner::caption(const LlmCaptionItem& item) const {
  LlmCaptionOutcome out;
  out.caption = item.deterministic;
  out.overall = score_caption(item.deterministic, *item.tags, db_, lexicon_, score_).overall;
  std::string name;
  LlmClient* client = route(item, &name);
  if (!client) {
    out.reason = fmt::format("NSFW score {:.2f} is at least {:.2f} and no local endpoint is configured", item.nsfw,
                             c_.nsfw_threshold);
    return out;
  }
  int best = stage_one(item, *client, name, out.attempts);

  // Tags the LLM kept contradicting: dropped, and the answers scored again without them.
  TagList corrected_tags;
  LlmCaptionItem work = item;  // with the corrected tags from here on
  if (c_.correct_tags) {
    corrected_tags = *item.tags;
    out.corrected = corrections(item, out.attempts, corrected_tags);
    if (!out.corrected.empty()) {
      work.tags = &corrected_tags;
      work.deterministic = caption_from_tags(corrected_tags, db_, lexicon_, item.caption_options);
      out.caption = work.deterministic;
      out.overall = score_caption(work.deterministic, corrected_tags, db_, lexicon_, score_).overall;
      best = -1;
      for (size_t k = 0; k < out.attempts.size(); ++k) {
        LlmAttempt& a = out.attempts[k];
        if (!a.error.empty()) continue;
        const CaptionScore s = score_caption(a.caption, corrected_tags, db_, lexicon_, score_);
        a.overall = s.overall;
        a.missing = s.missing;
        a.contradicted = s.contradicted;
        if (best < 0 || a.overall > out.attempts[size_t(best)].overall) best = int(k);
      }
    }
  }
  std::string kept;  // the best caption so far, and its score
  double kept_overall = -1;
  if (best >= 0) {
    kept = out.attempts[size_t(best)].caption;
    kept_overall = out.attempts[size_t(best)].overall;
  }
  // Stage 2, unless the endpoint is down.
  const LlmAttempt& last = out.attempts.back();
  if (kept_overall < c_.stage2_threshold && item.tiles && c_.grid >= 2 && !last.request_failed) {
    out.stage2 = quadrants(work, *client);
    if (!out.stage2->caption.empty() && out.stage2->overall > kept_overall) {
      kept = out.stage2->caption;
      kept_overall = out.stage2->overall;
    }
  }
  if (kept_overall >= c_.stage2_threshold) {
    out.caption = kept;
    out.from_llm = true;
    out.overall = kept_overall;
    if (c_.rewrite) rewrite(work, *client, out);
    return out;
  }
  if (kept_overall >= 0) {
    out.reason = fmt::format("the best LLM caption scored {:.2f}, under stage2_threshold {:.2f}", kept_overall,
                             c_.stage2_threshold);
  } else {
    out.reason = "no LLM caption: " + last.error;
    // Nothing was judged: a later run may get answers, unless one of these was a refusal.
    out.transient = std::all_of(out.attempts.begin(), out.attempts.end(), [](const LlmAttempt& a) { return a.transient; });
  }
  return out;
}

std::vector<TagCorrection> LlmCaptioner::corrections(const LlmCaptionItem& item,
                                                     const std::vector<LlmAttempt>& attempts, TagList& tags) const {
  std::vector<TagCorrection> out;
  int answers = 0;
  std::map<std::string, int> against;  // tag -> answers that contradicted it
  for (const LlmAttempt& a : attempts) {
    if (!a.error.empty()) continue;
    ++answers;
    std::set<std::string> named;
    for (const std::string& c : a.contradicted) {
      const size_t at = c.rfind("; tags: ");
      if (at != std::string::npos) named.insert(c.substr(at + 8));
    }
    for (const std::string& t : named) ++against[t];
  }
  if (answers < 2) return out;  // once is no pattern
  for (const auto& [tag, n] : against) {
    auto conf = item.tagger_only.find(tag);
    if (n < answers || conf == item.tagger_only.end() || conf->second >= c_.correct_below) continue;
    out.push_back(TagCorrection{tag, conf->second, n, answers});
  }
  if (out.empty()) return out;
  TagList kept;
  kept.sources = tags.sources;
  for (size_t i = 0; i < tags.tags.size(); ++i) {
    const std::string name(tags.name(i, db_));
    if (std::none_of(out.begin(), out.end(), [&](const TagCorrection& c) { return c.tag == name; })) {
      kept.tags.push_back(tags.tags[i]);
    }
  }
  tags = std::move(kept);
  return out;
}

std::string compose_tile_captions(const std::vector<LlmTile>& tiles) {
  auto sentence = [](std::string text) {
    if (!text.empty() && text.back() != '.' && text.back() != '!' && text.back() != '?') text += '.';
    return text;
  };
  std::string out;
  auto add = [&](const std::string& s) { out.append(out.empty() ? "" : " ").append(s); };
  std::vector<std::string> owners;
  for (const LlmTile& t : tiles) {
    if (!t.owner.empty() && !t.caption.empty() && std::find(owners.begin(), owners.end(), t.owner) == owners.end()) {
      owners.push_back(t.owner);
    }
  }
  for (const std::string& owner : owners) {
    std::string said;
    for (const LlmTile& t : tiles) {
      if (t.owner == owner && !t.caption.empty()) said.append(said.empty() ? "" : " ").append(sentence(t.caption));
    }
    std::string head = owner;
    head[0] = char(std::toupper(static_cast<unsigned char>(head[0])));
    add(head + ": " + said);
  }
  for (const LlmTile& t : tiles) {
    if (!t.owner.empty() || t.caption.empty()) continue;
    std::string text = t.caption;
    // "A girl…" -> "In the upper left, a girl…" (an "I" stays, as a proper noun would).
    if (text.size() > 1 && std::isupper(static_cast<unsigned char>(text[0])) &&
        std::islower(static_cast<unsigned char>(text[1]))) {
      text[0] = char(std::tolower(static_cast<unsigned char>(text[0])));
    }
    add("In the " + t.position + ", " + sentence(text));
  }
  return out;
}

LlmStage2 LlmCaptioner::quadrants(const LlmCaptionItem& item, LlmClient& client) const {
  LlmStage2 s;
  s.tiles = item.tiles();
  const std::string all_tags = tag_words(*item.tags, db_, 0, 0);
  std::vector<std::thread> askers;  // the tiles at once; the endpoint's limit holds
  for (LlmTile& t : s.tiles) {
    askers.emplace_back([&, tile = &t] {
      ChatRequest r;
      r.system = prompts_.system;
      r.prompt = fill(prompts_.quadrant, {{"position", tile->position},
                                          {"tags", tile->tags.empty() ? all_tags : tile->tags}});
      r.image_jpeg = std::move(tile->jpeg);
      tile->jpeg.clear();
      tile->caption = ask(client, std::move(r), c_.seed, tile->error);
    });
  }
  for (std::thread& a : askers) a.join();
  s.caption = compose_tile_captions(s.tiles);
  if (!s.caption.empty()) s.overall = score_caption(s.caption, *item.tags, db_, lexicon_, score_).overall;
  return s;
}

void LlmCaptioner::rewrite(const LlmCaptionItem& item, LlmClient& client, LlmCaptionOutcome& out) const {
  LlmRewrite& w = out.rewrite.emplace();
  ChatRequest r;
  r.prompt = fill(prompts_.rewrite, {{"caption", out.caption}});
  w.text = ask(client, std::move(r), c_.seed, w.error, nullptr, &w.transient);
  if (!w.error.empty()) {
    out.transient = w.transient;  // the caption stands, not smoothed: a later run may
    return;
  }
  // The key facts the rewrite lost, said again by the grammar with the subject tags.
  const CaptionScore s = score_caption(w.text, *item.tags, db_, lexicon_, score_);
  std::string lost;
  Word scratch;
  for (const std::string& tag : s.missing) {
    const Word* word = lexicon_.find(tag, scratch);
    if (word && is_key_role(word->role)) lost += (lost.empty() ? "" : ", ") + tag;
  }
  std::string final_text = w.text;
  if (!lost.empty()) {
    std::string subjects;
    Word sub;
    for (size_t i = 0; i < item.tags->tags.size(); ++i) {
      const std::string name(item.tags->name(i, db_));
      const Word* word = lexicon_.find(name, sub);
      if (word && word->role == Role::kSubject) subjects += name + ", ";
    }
    const TagList facts = parse_tag_list(subjects + lost, db_);
    w.reapplied = caption_from_tags(facts, db_, lexicon_, CaptionOptions{});
    final_text += (final_text.empty() || final_text.back() == ' ' ? "" : " ") + w.reapplied;
  }
  w.overall = score_caption(final_text, *item.tags, db_, lexicon_, score_).overall;
  if (w.overall >= out.overall) {
    w.kept = true;
    out.caption = final_text;
    out.overall = w.overall;
  }
}

}  // namespace tagforge
