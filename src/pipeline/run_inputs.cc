#include "pipeline/run_inputs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <unordered_set>

#include "core/dir_handles.h"
#include "core/fault_injection.h"
#include "core/fs_ops.h"
#include "media/extract.h"
#include "pipeline/content_hash.h"
#include "pipeline/frame_inspector.h"
#include "pipeline/listing_digest.h"
#include "pipeline/probe_memo.h"
#include "pipeline/work_tree.h"
#include "tags/normalize.h"
#include "tagforge/scan.h"
#include "tagforge/score.h"

namespace tagforge {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

// The file's content hash, reused from the manifest's row (`known`) while its stat holds.
// `stamp`: the file's as the scan saw it (a zero one: stat'ed here).
Result<std::pair<std::string, std::string>> identify(const fs::path& file, const std::optional<ManifestItem>& known,
                                                     FileStamp stamp = {}) {
  if (stamp.ino == 0) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) {
      return Error{ErrorCode::kIo, fmt::format("cannot stat: {}", std::strerror(errno)), file};
    }
    stamp = stamp_of(st);
  }
  const std::string sig = stamp_text(stamp);
  if (known && known->stat == sig && !known->hash.empty()) return std::pair{known->hash, sig};
  auto hash = hash_file(file);
  if (!hash) return hash.error();
  return std::pair{*hash, sig};
}

// The manifest already says this of the item (its last error aside: the items' pass sets it).
bool known_as(const std::optional<ManifestItem>& known, const ManifestItem& item) {
  if (!known) return false;
  ManifestItem same = item;
  same.error = known->error;
  return *known == same;
}

std::string parent_of(const std::string& rel) {
  const size_t slash = rel.rfind('/');
  return slash == std::string::npos ? "" : rel.substr(0, slash + 1);
}

// The tag text without quality tags and review marks (a scorer's, ours from an
// earlier in-place run): they say how good a caption was, not what is in the image.
std::string without_marks(const std::string& text, const std::string& review_tag) {
  std::vector<std::string_view> entries;
  split_tag_list(text, entries);  // the tag parser's own splitting: brackets and newlines as it reads them
  std::string out, name;
  for (std::string_view entry : entries) {
    const size_t b = entry.find_first_not_of(" \t\r\n"), e = entry.find_last_not_of(" \t\r\n");
    if (b == std::string_view::npos) continue;
    entry = entry.substr(b, e - b + 1);
    normalize_tag_text(entry, name);
    if (name != review_tag && !is_quality_tag(name)) out.append(out.empty() ? "" : ", ").append(entry);
  }
  return out;
}

struct Clip {
  std::string rel, hash, stat, tags;
};

class InputPreparer {
 public:
  InputPreparer(const RunContext& c, Manifest& m, Scratch& scratch, std::optional<std::pair<uint64_t, uint64_t>> shard)
      : c_(c), m_(m), scratch_(scratch), shard_(shard) {}

  Result<InputReport> run() {
    ScanOptions options = input_scan_options(c_);
    // What an unchanged file is, the manifest knows: it is stat'ed, not opened.
    ManifestProbeMemo memo(m_, "in", options);
    options.memo = &memo;
    TF_RETURN_IF_ERROR(scratch_.begin());
    ListingDigest listing;
    TF_RETURN_IF_ERROR(scan_folders(c_.in, options, [&](ScanResult&& folder) {
      listing.add(folder);
      return enter(folder);
    }));
    TF_RETURN_IF_ERROR(scratch_.commit());
    r_.listing = listing.hex();
    if (!memo.status().ok()) r_.errors.emplace_back(m_.file().string(), memo.status().error().to_string());
    if (!c_.in_place) TF_RETURN_IF_ERROR(drop_what_left_the_input());
    return std::move(r_);
  }

 private:
  // One folder of the input into the work folder and the manifest (one
  // transaction), then its clips' frames.
  Status enter(const ScanResult& scan) {
    const bool copy = c_.config.run.link == "copy";
    const bool regenerates_aseg = !c_.detectors.empty() || c_.segmenter != nullptr;
    std::vector<Clip> clips;
    DirHandles work_folders(c_.work);  // a link as an earlier run made it is found from its folder
    auto link = [&](const std::string& rel, const FileStamp& stamp) {
      return work_folders.holds(rel, stamp) ? ok_status() : link_replacing(c_.in / rel, c_.work / rel, copy, nullptr, &stamp);
    };
    TF_RETURN_IF_ERROR(m_.begin());
    for (const Item& item : scan.items) {
      const std::string rel = scan.relative_path(item);
      if (c_.in_place && is_our_frame(rel)) continue;  // a frame an earlier run extracted, not an input
      if (c_.in_place && (rel == "report.html" || rel == "meta_cap_dd.json" || rel == "metadata.jsonl")) continue;
      const fs::path source = c_.in / rel;
      const bool media = item.usable();
      std::string hash, stat;
      auto row = m_.item(rel);
      if (!row) return row.error();
      const std::optional<ManifestItem>& known = *row;
      if (media) {
        auto id = identify(source, known, item.stamp);
        if (!id) {
          r_.errors.emplace_back(rel, id.error().message);
          continue;
        }
        std::tie(hash, stat) = *id;
      } else {
        hash = hash_bytes(rel);  // unknown and broken files go by name
      }
      if (shard_ && shard_of(hash, shard_->second) != shard_->first) {
        ++r_.skipped_by_shard;
        continue;
      }
      if (Status st = link(rel, item.stamp); !st.ok()) {
        r_.errors.emplace_back(rel, st.error().message);
        continue;
      }
      ++r_.files;
      TF_RETURN_IF_ERROR(expect(rel, media && item.kind() == MediaKind::kImage));
      std::string tags;
      std::optional<std::string> caption;
      for (const Sidecar& sc : item.sidecars) {
        const std::string sc_rel = scan.relative_path(item, sc.name);
        const bool ours = sc.kind == SidecarKind::kTags || sc.kind == SidecarKind::kCaption ||
                          ((sc.kind == SidecarKind::kSegmentation || sc.kind == SidecarKind::kMask) && regenerates_aseg);
        if (ours && media) {
          auto text = sc.has_text ? Result<std::string>(sc.text) : read_whole_file(c_.in / sc_rel, "sidecar");
          if (!text) {
            r_.errors.emplace_back(sc_rel, text.error().message);
          } else if (sc.kind == SidecarKind::kTags && tags.empty()) {
            tags = without_marks(*text, c_.config.check.review_tag);
          } else if (sc.kind == SidecarKind::kCaption && !caption) {
            auto written = c_.in_place ? our_caption(rel) : Result<std::optional<std::string>>(std::nullopt);
            if (!written) return written.error();
            if (*written != *text) caption = std::move(*text);
          }
          continue;  // written afresh by the run
        }
        if (Status st = link(sc_rel, sc.stamp); !st.ok()) {
          r_.errors.emplace_back(sc_rel, st.error().message);
        } else {
          ++r_.files;
              TF_RETURN_IF_ERROR(expect(sc_rel, false));
        }
      }
      const MediaKind kind = item.kind();
      if (!media) {
        item.broken() ? ++r_.broken : ++r_.unknown;
        continue;
      }
      if (kind == MediaKind::kImage) {
        ItemState s;
        s.item = ManifestItem{rel, hash, stat, "image", "", ""};
        s.existing_tags = std::move(tags);
        s.existing_caption = std::move(caption);
        if (!known_as(known, s.item)) TF_RETURN_IF_ERROR(m_.put_item(s.item));
        TF_RETURN_IF_ERROR(add(s));
      } else {
        clips.push_back(Clip{rel, hash, stat, std::move(tags)});  // already without marks
        const ManifestItem clip{rel, hash, stat, kind_name(kind).data(), "", ""};
        if (!known_as(known, clip)) TF_RETURN_IF_ERROR(m_.put_item(clip));
      }
    }
    TF_RETURN_IF_ERROR(m_.commit());
    for (const Clip& clip : clips) TF_RETURN_IF_ERROR(extract(clip));
    return ok_status();
  }

  Status add(const ItemState& s) {
    ++r_.items;
    return scratch_.add_item(s);
  }

  // The clip's frames beside it in the work folder, extracted or (same
  // options, same clip, frames still there) taken from the manifest.
  Status extract(const Clip& clip) {
    ++r_.clips;
    const ExtractConfig& e = c_.config.extract;
    const bool inspects = !e.inspect.require_segments.empty() || !e.inspect.crop_position.empty();
    const std::string fp = stage_fingerprint({"extract", clip.hash, c_.section("extract"),
                                              inspects ? c_.detect_identity + c_.segment_identity : ""});
    std::vector<std::string> frames;
    auto cached = m_.result(clip.rel, "extract");
    bool reuse = cached && *cached && (*cached)->fingerprint == fp && (*cached)->error.empty();
    if (cached && *cached && !(*cached)->data.empty()) {
      const json data = json::parse((*cached)->data);  // named: a range-for over a temporary's member dangles
      for (const json& f : data["frames"]) {
        frames.push_back(f.get<std::string>());
        std::error_code ec;
        if (!fs::exists(c_.work / frames.back(), ec)) reuse = false;
      }
    }
    if (!reuse) {
      for (const std::string& old : frames) remove_frame(old);
      frames.clear();
      ExtractOptions options = e.frames;
      if (inspects) {
        auto inspector = make_frame_inspector(e.inspect, c_.detectors, c_.segmenter);
        if (!inspector) return clip_error(clip, fp, inspector.error().message);
        options.inspector = std::move(*inspector);
      }
      const fs::path file = c_.work / clip.rel;
      auto report = extract_frames(file, file.parent_path(), options);
      if (!report) return clip_error(clip, fp, report.error().message);
      for (const fs::path& f : report->written) frames.push_back(parent_of(clip.rel) + f.filename().string());
      json data{{"frames", frames}, {"report", json::parse(extract_report_json(*report))}};
      data["report"].erase("source");  // absolute paths differ between machines; the item is the key
      data["report"].erase("written");
      if (Status st = m_.put_result(clip.rel, "extract", StageResult{fp, data.dump(), ""}); !st.ok()) {
        r_.errors.emplace_back(clip.rel, st.error().message);
      }
    }
    for (const std::string& rel : frames) {
      TF_RETURN_IF_ERROR(expect(rel, true));
      auto row = m_.item(rel);
      if (!row) return row.error();
      auto id = identify(c_.work / rel, *row);
      if (!id) {
        r_.errors.emplace_back(rel, id.error().message);
        continue;
      }
      ItemState s;
      s.item = ManifestItem{rel, id->first, id->second, "frame", clip.rel, ""};
      s.existing_tags = clip.tags;
      if (!known_as(*row, s.item)) {
        if (Status st = m_.put_item(s.item); !st.ok()) r_.errors.emplace_back(rel, st.error().message);
      }
      TF_RETURN_IF_ERROR(add(s));
      ++r_.frames;
    }
    return ok_status();
  }

  // The clip's failure, recorded; the run goes on.
  Status clip_error(const Clip& clip, const std::string& fp, const std::string& message) {
    r_.errors.emplace_back(clip.rel, message);
    (void)m_.put_result(clip.rel, "extract", StageResult{fp, "", message});
    return ok_status();
  }

  // A frame of an earlier extraction and the sidecars the run wrote for it.
  void remove_frame(const std::string& rel) {
    const fs::path f = c_.work / rel;
    const std::string stem = (f.parent_path() / f.stem()).string();
    std::error_code ec;
    for (const std::string& suffix : written_suffixes()) fs::remove(stem + suffix, ec);
    fs::remove(f, ec);
  }

  // `rel` is in the work folder this run; an image or frame also has the files the run writes
  // for it, its stem and one of written_suffixes() (one row for them all).
  Status expect(const std::string& rel, bool item) {
    TF_RETURN_IF_ERROR(scratch_.expect(rel));
    if (!item) return ok_status();
    const fs::path p(rel);
    return scratch_.expect_stem((p.parent_path() / p.stem()).string());
  }
  // What follows an item's stem in the names of the files the run writes for it.
  std::vector<std::string> written_suffixes() const {
    std::vector<std::string> out;
    for (std::string ext : {c_.config.tag.extension, c_.config.caption.extension, std::string(".aseg")}) {
      out.push_back(ext.empty() || ext[0] == '.' ? ext : "." + ext);  // as replace_extension has it
    }
    out.emplace_back(".mask.png");
    return out;
  }
  Result<bool> wanted(const std::string& rel, const std::vector<std::string>& suffixes) {
    auto listed = scratch_.expected(rel);
    if (!listed || *listed) return listed;
    for (const std::string& suffix : suffixes) {
      if (suffix.empty() || rel.size() <= suffix.size() || rel.compare(rel.size() - suffix.size(), suffix.size(), suffix) != 0) {
        continue;
      }
      auto written = scratch_.expected_stem(rel.substr(0, rel.size() - suffix.size()));
      if (!written || *written) return written;
    }
    return false;
  }

  // The work folder holds only links and the run's own files: what the input no longer has (a
  // file deleted or renamed since the last run) goes from it, so the buckets no longer show it.
  // The input is never touched, and in place nothing goes.
  Status drop_what_left_the_input() {
    Status failure = ok_status();
    const std::vector<std::string> suffixes = written_suffixes();
    for_each_file(c_.work, [&](const fs::path& file, const std::string& rel) {
      auto keep = wanted(rel, suffixes);
      if (!keep) {
        if (failure.ok()) failure = keep.error();
        return;
      }
      std::error_code rm;
      if (!*keep && fs::remove(file, rm)) ++r_.dropped;
    });
    return failure;
  }

  // In place, the input holds what earlier runs wrote: the frames they
  // extracted (not inputs) and the captions they made (not the user's).
  bool is_our_frame(const std::string& rel) {
    auto known = m_.item(rel);
    return known && *known && (*known)->kind == "frame";
  }
  Result<std::optional<std::string>> our_caption(const std::string& rel) {
    auto caption = m_.result(rel, kStageCaption);
    if (!caption) return caption.error();
    if (!*caption || !(*caption)->error.empty() || (*caption)->data.empty()) return std::optional<std::string>();
    const json j = json::parse((*caption)->data);
    if (j["source"] == "sidecar") return std::optional<std::string>();  // the user's, not ours
    return std::optional<std::string>(j["caption"].get<std::string>());
  }

  const RunContext& c_;
  Manifest& m_;
  Scratch& scratch_;
  std::optional<std::pair<uint64_t, uint64_t>> shard_;
  InputReport r_;
};

}  // namespace

ScanOptions input_scan_options(const RunContext& c) {
  ScanOptions options;
  if (!c.in_place) options.exclude.push_back(c.out);  // when the output lies inside the input
  options.keep_text = true;  // the tags and captions it reads are the run's
  return options;
}

Result<InputReport> prepare_inputs(const RunContext& context, Manifest& manifest, Scratch& scratch,
                                   std::optional<std::pair<uint64_t, uint64_t>> shard) {
  return InputPreparer(context, manifest, scratch, shard).run();
}

}  // namespace tagforge
