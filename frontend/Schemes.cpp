//===- Schemes.cpp - weight naming schemes, read from schemes/*.toml ------===//
#include "frontend/Schemes.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/ErrorHandling.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstring>

namespace modelc::frontend {

namespace {

struct SchemeText {
  const char *file, *text;
};

// The files of frontend/schemes/, embedded by CMake.
const SchemeText kSchemeTexts[] = {
#include "frontend/SchemesText.inc"
};

// The files are the compiler's own: a malformed one is a build error, caught
// by every test that reads a spec.
[[noreturn]] void bad(const char *file, const std::string &msg) {
  llvm::report_fatal_error(llvm::Twine("built-in weight scheme ") + file +
                           ": " + msg);
}

Scheme parse(const SchemeText &t) {
  toml::table root;
  try {
    root = toml::parse(std::string_view(t.text), std::string_view(t.file));
  } catch (const toml::parse_error &e) {
    bad(t.file, std::string(e.description()));
  }
  Scheme s;
  const toml::table *head = root["scheme"].as_table();
  if (!head || !(*head)["name"].value<std::string>())
    bad(t.file, "needs [scheme] name");
  s.name = *(*head)["name"].value<std::string>();
  std::string layout = (*head)["layout"].value_or(std::string("out_in"));
  if (layout != "out_in" && layout != "in_out")
    bad(t.file, "layout must be out_in or in_out");
  s.inOut = layout == "in_out";
  s.fallback = (*head)["fallback"].value_or(false);
  if (const toml::table *names = root["names"].as_table())
    for (auto &&[k, v] : *names) {
      auto name = v.value<std::string>();
      if (!name)
        bad(t.file, "names must be strings");
      s.names[std::string(k.str())] = *name;
    }
  if (const toml::table *fused = root["fused"].as_table())
    for (auto &&[k, v] : *fused) {
      const toml::array *members = v.as_array();
      if (!members)
        bad(t.file, "fused entries must be arrays of slots");
      std::vector<std::string> &list = s.fused[std::string(k.str())];
      for (const toml::node &m : *members)
        list.push_back(m.value_or(std::string()));
    }
  return s;
}

std::vector<Scheme> loadAll() {
  std::vector<Scheme> all;
  for (const SchemeText &t : kSchemeTexts)
    all.push_back(parse(t));
  std::stable_sort(all.begin(), all.end(),
                   [](const Scheme &a, const Scheme &b) {
                     return (a.name != "modelc") == (b.name != "modelc")
                                ? a.name < b.name
                                : a.name == "modelc";
                   });
  return all;
}

} // namespace

std::optional<std::string> Scheme::nameOf(llvm::StringRef slot) const {
  if (auto it = names.find(slot.str()); it != names.end())
    return it->second;
  auto [base, leaf] = slot.rsplit('.');
  if (!leaf.empty())
    if (auto it = names.find(base.str()); it != names.end())
      return it->second + "." + leaf.str();
  if (fallback) {
    if (slot.starts_with("layer."))
      return "layers.{i}." + slot.drop_front(strlen("layer.")).str();
    return slot.str();
  }
  return std::nullopt;
}

const std::vector<Scheme> &schemes() {
  static const std::vector<Scheme> all = loadAll();
  return all;
}

const Scheme *lookupScheme(llvm::StringRef name) {
  for (const Scheme &s : schemes())
    if (s.name == name)
      return &s;
  return nullptr;
}

} // namespace modelc::frontend
