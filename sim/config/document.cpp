// config/document implementation on yaml-cpp 0.7 (the only translation unit that includes it,
// with reader.cpp using Value only).
#include "config/document.hpp"

#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace trainsim::config {

namespace {
// State shared by every Value of one Document: the file name and the locations of values that
// did not come from the file (--set overrides), which yaml-cpp gives no mark.
struct DocumentState {
  std::filesystem::path file;
  std::vector<std::pair<YAML::Node, Location>> injected;
};
}  // namespace

struct Value::Impl {
  YAML::Node node;
  std::shared_ptr<DocumentState> doc;
};

namespace {
Value wrap(YAML::Node node, const std::shared_ptr<DocumentState>& doc) {
  return Value(std::make_shared<const Value::Impl>(Value::Impl{std::move(node), doc}));
}

Location location_of(const YAML::Node& node, const DocumentState& doc) {
  for (const auto& [injected, where] : doc.injected)
    if (injected.is(node)) return where;
  YAML::Mark m = node.Mark();
  if (m.is_null()) return Location{doc.file.string(), 0, 0};
  return Location{doc.file.string(), m.line + 1, m.column + 1};
}
}  // namespace

bool Value::is_map() const { return impl_->node.IsMap(); }
bool Value::is_sequence() const { return impl_->node.IsSequence(); }
bool Value::is_scalar() const { return impl_->node.IsScalar(); }
bool Value::is_null() const { return !impl_->node.IsDefined() || impl_->node.IsNull(); }
Location Value::location() const { return location_of(impl_->node, *impl_->doc); }
const std::filesystem::path& Value::file() const { return impl_->doc->file; }

std::string Value::scalar() const { return impl_->node.IsScalar() ? impl_->node.Scalar() : std::string(); }

std::vector<std::string> Value::keys() const {
  std::vector<std::string> out;
  if (!impl_->node.IsMap()) return out;
  for (const auto& kv : impl_->node) out.push_back(kv.first.as<std::string>());
  return out;
}

std::optional<Value> Value::get(const std::string& key) const {
  if (!impl_->node.IsMap()) return std::nullopt;
  for (const auto& kv : impl_->node)
    if (kv.first.as<std::string>() == key) return wrap(kv.second, impl_->doc);
  return std::nullopt;
}

std::vector<Value> Value::items() const {
  std::vector<Value> out;
  if (!impl_->node.IsSequence()) return out;
  for (const auto& item : impl_->node) out.push_back(wrap(item, impl_->doc));
  return out;
}

Location Value::key_location(const std::string& key) const {
  if (impl_->node.IsMap())
    for (const auto& kv : impl_->node)
      if (kv.first.as<std::string>() == key) return location_of(kv.first, *impl_->doc);
  return location();
}

Document Document::parse(const std::string& text, const std::filesystem::path& name) {
  auto doc = std::make_shared<DocumentState>();
  doc->file = name;
  try {
    YAML::Node root = YAML::Load(text);
    return Document(name, text, wrap(root, doc));
  } catch (const YAML::Exception& e) {
    Diagnostics d;
    d.error(Location{name.string(), e.mark.is_null() ? 0 : e.mark.line + 1, e.mark.is_null() ? 0 : e.mark.column + 1},
            "invalid YAML: " + e.msg);
    throw ConfigError(d);
  }
}

Document Document::load(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    Diagnostics d;
    d.error(Location{path.string(), 0, 0}, "cannot open file (expected a readable YAML file)");
    throw ConfigError(d);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse(buffer.str(), path);
}

std::string Document::dump() const {
  YAML::Emitter out;
  out << root_.impl_->node;
  return std::string(out.c_str()) + "\n";
}

void Document::set(const std::string& dotted_path, const std::string& value, const std::string& origin) {
  YAML::Node node = root_.impl_->node;
  const auto& doc = root_.impl_->doc;
  std::string rest = dotted_path;
  std::string walked;  // the path down to `node`
  while (true) {
    auto dot = rest.find('.');
    std::string key = rest.substr(0, dot);
    if (!node.IsMap() && !node.IsNull()) {
      Diagnostics d;
      std::string why = "'" + key + "' is not inside a map";
      if (node.IsScalar())  // e.g. model: gpt3-175b, a catalog name
        why = "'" + walked + "' is the value '" + node.Scalar() + "', not a map (to change one field of a catalog "
              "entry, write '" + walked + "' as a map: {extends: " + node.Scalar() + ", " + key + ": ...})";
      d.error(Location{origin, 0, 0}, "cannot set '" + dotted_path + "': " + why);
      throw ConfigError(d);
    }
    if (dot == std::string::npos) {
      YAML::Node scalar(value);
      node[key] = scalar;
      // Both the value and its key report the --set origin (unknown-key errors point at the key).
      for (auto kv : node)
        if (kv.first.as<std::string>() == key) {
          doc->injected.emplace_back(kv.first, Location{origin, 0, 0});
          doc->injected.emplace_back(kv.second, Location{origin, 0, 0});
        }
      return;
    }
    YAML::Node child = node[key];
    if (!child.IsDefined() || child.IsNull()) {
      node[key] = YAML::Node(YAML::NodeType::Map);
      child = node[key];
    }
    node.reset(child);
    walked += (walked.empty() ? "" : ".") + key;
    rest = rest.substr(dot + 1);
  }
}

void Document::erase(const std::string& dotted_path) {
  YAML::Node node = root_.impl_->node;
  std::string rest = dotted_path;
  for (auto dot = rest.find('.'); dot != std::string::npos; dot = rest.find('.')) {
    if (!node.IsMap()) return;
    YAML::Node child = node[rest.substr(0, dot)];
    if (!child.IsDefined()) return;
    node.reset(child);
    rest = rest.substr(dot + 1);
  }
  if (node.IsMap()) node.remove(rest);
}

}  // namespace trainsim::config
