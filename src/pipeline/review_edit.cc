#include "pipeline/review_edit.h"

#include <nlohmann/json.hpp>

namespace tagforge {

using json = nlohmann::ordered_json;

ReviewEdit parse_review_edit(std::string_view text) {
  ReviewEdit e;
  const json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return e;
  if (auto t = j.find("tags"); t != j.end() && t->is_string()) e.tags = t->get<std::string>();
  if (auto c = j.find("caption"); c != j.end() && c->is_string()) e.caption = c->get<std::string>();
  if (auto a = j.find("approved"); a != j.end() && a->is_boolean()) e.approved = a->get<bool>();
  if (auto k = j.find("keep"); k != j.end() && k->is_boolean()) e.keep = k->get<bool>();
  return e;
}

std::string format_review_edit(const ReviewEdit& e) {
  json j = json::object();
  if (e.tags) j["tags"] = *e.tags;
  if (e.caption) j["caption"] = *e.caption;
  j["approved"] = e.approved;
  if (e.keep) j["keep"] = true;  // only when chosen: the rows written before it stay byte for byte
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace tagforge
