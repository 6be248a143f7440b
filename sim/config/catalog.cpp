#include "config/catalog.hpp"

#include "config/reader.hpp"

namespace trainsim::config {

namespace {

// Resolves a catalog name into layers, following `extends` chains.
bool resolve_chain(const Catalogs& catalogs, const std::string& kind, const std::string& singular,
                   const std::string& name, const Location& where, Diagnostics& d, std::vector<Value>& layers) {
  std::string current = name;
  Location current_where = where;
  for (int depth = 0; depth < 16; ++depth) {
    auto entry = catalogs.find(kind, current);
    if (!entry) {
      auto known = catalogs.names(kind);
      std::string hint = closest(current, known);
      d.error(current_where, "unknown " + singular + " '" + current + "'" +
                                 (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + " (expected one of: " +
                                 (known.empty() ? "none: name a catalog file with 'catalog:'" : join(known)) + ")");
      return false;
    }
    if (!entry->is_map()) {
      d.error(entry->location(), singular + " '" + current + "' must be a map of fields");
      return false;
    }
    layers.push_back(*entry);
    auto parent = entry->get("extends");
    if (!parent) return true;
    current_where = parent->location();
    current = parent->scalar();
  }
  d.error(where, singular + " '" + name + "' extends itself through a cycle of 'extends' (expected a chain that ends)");
  return false;
}

// One section's value for an entry. `complete` tells whether it stands on its own.
bool value_layers(const Value& v, const Catalogs& catalogs, const std::string& kind, const std::string& singular,
                  Diagnostics& d, std::string& name, std::vector<Value>& layers, bool& complete) {
  complete = true;
  if (v.is_scalar()) {
    name = v.scalar();
    return resolve_chain(catalogs, kind, singular, name, v.location(), d, layers);
  }
  if (!v.is_map()) {
    d.error(v.location(), "'" + singular + "' must be a catalog name or a map of fields");
    return false;
  }
  layers.push_back(v);
  auto parent = v.get("extends");
  if (parent) {
    name = parent->scalar() + " (modified)";
    return resolve_chain(catalogs, kind, singular, parent->scalar(), parent->location(), d, layers);
  }
  auto own = v.get("name");
  name = own ? own->scalar() : "custom";
  complete = false;
  return true;
}
}  // namespace

void Catalogs::load(const Value& value, Diagnostics& d) {
  std::vector<Value> entries = value.is_sequence() ? value.items() : std::vector<Value>{value};
  for (const auto& entry : entries) {
    std::filesystem::path path = entry.scalar();
    if (path.is_relative()) path = entry.file().parent_path() / path;
    try {
      add(Document::load(path));
    } catch (const ConfigError& e) {
      for (const auto& item : e.diagnostics().items()) d.error(item.where.line > 0 ? item.where : entry.location(), item.message);
    }
  }
}

void Catalogs::check_sections(const std::vector<std::string>& allowed_sections, Diagnostics& d) const {
  for (const auto& doc : docs_) {
    Reader root(doc->root(), d, "catalog " + doc->path().string());
    for (const auto& section : allowed_sections) root.value(section, Need::optional);
    root.reject_unknown_keys();
  }
}

std::optional<Value> Catalogs::find(const std::string& kind, const std::string& name) const {
  for (const auto& doc : docs_)
    if (auto section = doc->root().get(kind))
      if (auto entry = section->get(name)) return entry;
  return std::nullopt;
}

std::vector<std::string> Catalogs::names(const std::string& kind) const {
  std::vector<std::string> out;
  for (const auto& doc : docs_)
    if (auto section = doc->root().get(kind))
      for (const auto& k : section->keys()) out.push_back(k);
  return out;
}

std::optional<std::vector<Value>> entry_layers(const std::vector<Value>& sections, const std::string& key,
                                               const Catalogs& catalogs, const std::string& kind,
                                               const std::string& singular, Diagnostics& d, std::string& name) {
  std::vector<Value> layers;
  bool amended = false;
  for (const auto& section : sections) {
    auto v = section.get(key);
    if (!v) continue;
    bool complete = false;
    std::string entry_name;
    if (!value_layers(*v, catalogs, kind, singular, d, entry_name, layers, complete)) return std::nullopt;
    if (complete) {
      name = amended ? entry_name.substr(0, entry_name.find(" (modified)")) + " (modified)" : entry_name;
      return layers;
    }
    amended = true;
    name = entry_name;
  }
  if (layers.empty()) return std::nullopt;
  return layers;
}

}  // namespace trainsim::config
