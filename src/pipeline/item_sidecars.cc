#include "pipeline/item_sidecars.h"

#include <sys/stat.h>

#include <set>

#include "core/atomic_file.h"
#include "core/fault_injection.h"
#include "core/fs_ops.h"
#include "pipeline/content_hash.h"
#include "pipeline/run_context.h"
#include "tagforge/score.h"

namespace tagforge {

namespace fs = std::filesystem;

fs::path sidecar_path(const fs::path& image, const std::string& extension) {
  fs::path p = image;
  p.replace_extension(extension);
  return p;
}

Status write_if_changed(const fs::path& file, const std::string& text, bool* changed) {
  if (file_holds(file, text)) return ok_status();
  crash_point();
  Status st = write_file_atomic(file, text, Overwrite::kReplace);
  crash_point();
  if (changed) *changed = st.ok();
  return st;
}

std::string final_tag_text(const ItemState& it, const RunConfig& config) {
  std::string text = current_tags(it);
  if (untagged(it)) return "";  // no quality tags on nothing
  std::set<std::string> present;
  for (std::string& tag : tag_line_entries(text)) present.insert(std::move(tag));
  auto add = [&](const std::string& tag) {
    if (!present.insert(tag).second) return;
    text += (text.empty() ? "" : ", ") + tag;
  };
  if (config.score.quality_tags) {
    if (review_edit_of(it).approved) {
      for (const std::string& q : approved_quality_tags()) add(q);
    } else {
      const nlohmann::ordered_json& score = stage_json(*stage_result(it, kStageScore));
      for (const auto& q : score["quality_tags"]) add(q.get<std::string>());
    }
  }
  if (flagged(it, config)) add(config.check.review_tag);
  return text;
}

Result<std::vector<fs::path>> write_item_sidecars(const ItemState& it, const RunConfig& cfg) {
  std::vector<fs::path> changed;
  // An item with no tags and no caption keeps no tag or caption file (one
  // left by an earlier run goes), so the buckets file it under missing_tags.
  auto write_or_remove = [&](const fs::path& file, const std::string& text) -> Status {
    bool wrote = false;
    if (!text.empty()) {
      TF_RETURN_IF_ERROR(write_if_changed(file, text, &wrote));
      if (wrote) changed.push_back(file);
      return ok_status();
    }
    std::error_code ec;
    if (fs::remove(file, ec)) changed.push_back(file);
    return ok_status();
  };
  TF_RETURN_IF_ERROR(write_or_remove(sidecar_path(it.file, cfg.tag.extension), final_tag_text(it, cfg)));
  TF_RETURN_IF_ERROR(write_or_remove(sidecar_path(it.file, cfg.caption.extension), final_caption(it)));
  if (std::optional<Aseg> aseg = aseg_of(it)) {
    bool wrote = false;
    TF_RETURN_IF_ERROR(write_if_changed(aseg_path_for(it.file), format_aseg(*aseg), &wrote));
    if (wrote) changed.push_back(aseg_path_for(it.file));
  }
  return changed;
}

namespace {

void add_field(ContentHasher& h, std::string_view bytes) {
  const uint64_t size = bytes.size();
  h.add(std::string_view(reinterpret_cast<const char*>(&size), sizeof size));
  h.add(bytes);
}

}  // namespace

std::string sidecar_key(const ItemState& it, const RunContext& c) {
  ContentHasher h;
  for (const auto& [stage, r] : it.results) {  // in stage order
    const std::string retry = std::to_string(r.retry);
    for (std::string_view field : {std::string_view(stage), std::string_view(r.fingerprint), std::string_view(r.data),
                                   std::string_view(r.error), std::string_view(retry)}) {
      add_field(h, field);
    }
  }
  for (const auto& [name, text] : c.sections) add_field(h, name), add_field(h, text);
  add_field(h, c.engine_identity);
  add_field(h, c.lexicon_identity);
  add_field(h, it.file.native());
  return h.hex();
}

std::string sidecar_stamps(const ItemState& it, const RunConfig& cfg, int folder) {
  // From the folder's handle, its path is not walked once a file (a million items: three
  // million walks); without one (a folder DirHandles does not open), by path.
  std::string out;
  for (const fs::path& file : {sidecar_path(it.file, cfg.tag.extension), sidecar_path(it.file, cfg.caption.extension),
                               aseg_path_for(it.file)}) {
    struct stat st {};
    const bool there = folder >= 0 ? ::fstatat(folder, file.filename().c_str(), &st, 0) == 0
                                   : ::stat(file.c_str(), &st) == 0;
    out += there ? stamp_text(stamp_of(st)) : std::string("-");
    out += ' ';
  }
  return out;
}

}  // namespace tagforge
