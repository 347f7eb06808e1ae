// The output's buckets and the training tools' metadata files.
//
// Buckets: the work folder is planned into numbered buckets as the sorter
// files them (a dry run of `sort --dest`: frames go with their clips and
// flagged items to review_N), and OUT is made to match the plan with hard
// links. The plan lives in the scratch database, so memory stays flat. Only
// files the run placed there before (the manifest's `exported` table) are
// ever removed from OUT, and a file in the way that tagforge did not put
// there is left alone and reported. The same work folder always gives the
// same buckets; a killed export is put right by the next run.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/atomic_file.h"
#include "pipeline/content_hash.h"
#include "pipeline/export_facts.h"
#include "pipeline/item_stages.h"
#include "pipeline/manifest.h"
#include "pipeline/run_context.h"
#include "pipeline/scratch.h"

namespace tagforge {

struct ExportReport {
  size_t linked = 0, unchanged = 0, removed = 0;
  size_t work_changed = 0;  // folders of the work folder not as the last export's scan left them
  std::string work_listing;  // the work folder's folders (ListingDigest); empty without [run] sort
  std::vector<std::pair<std::string, std::string>> errors;  // path, message
};

// How the export scans the work folder (the probe memo's scope depends on it).
ScanOptions work_scan_options(const RunContext& context);

// Afterwards scratch.placed() says where each media file of the work folder went.
Result<ExportReport> export_buckets(const RunContext& context, Manifest& manifest, Scratch& scratch);

// Removes what a killed run can leave under `dir` (its .tagforge folders
// skipped): write_file_atomic's "NAME.tmp.PID.N" and link_replacing's
// ".tagforge-link-" temporaries (copy_file_durable's parts among them). Returns how many.
size_t sweep_leftovers(const std::filesystem::path& dir);

// kohya-ss sd-scripts' fine-tuning metadata (meta_cap_dd.json: key = the
// image's path in OUT without its extension, {"caption", "tags"}) and
// Hugging Face's imagefolder metadata.jsonl ({"file_name", "text", "tags",
// …} per line), each as [export] asks, written piece by piece as the items
// go by. Items whose sidecars are incomplete, or that are untagged, are left out.
// A file whose new bytes are the ones the manifest recorded for it, and that is
// still the file written then (its stamp), is left as it is: not written again.
class MetadataWriters {
 public:
  static Result<MetadataWriters> open(const RunContext& context, Manifest& manifest);
  // An item's entries, made on any core, then added in order (kohya's entry without its separator).
  struct Entries {
    std::string kohya, huggingface;  // empty: none
  };
  // `source`: the item's (ManifestItem::source), "" when none.
  Entries entries_of(const ExportFacts& facts, const std::string& out_path, const std::string& source) const;
  Status add(const Entries& entries);
  Status commit();

 private:
  struct File {
    std::string name;  // in OUT
    AtomicFileWriter writer;
    ContentHasher hash;
    Status append(std::string_view bytes) {
      hash.add(bytes);
      return writer.append(bytes);
    }
  };
  MetadataWriters(const RunContext& c, Manifest& m) : c_(&c), m_(&m) {}
  Status commit(File& file);
  const RunContext* c_;
  Manifest* m_;
  std::optional<File> kohya_, huggingface_;
  bool first_ = true;
};

}  // namespace tagforge
