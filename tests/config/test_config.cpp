// Tests for config/: locations of errors, unknown keys, units and bounds, layered maps.
#include <doctest/doctest.h>

#include "approx.hpp"

#include "config/reader.hpp"

using namespace trainsim::config;

namespace {
Diagnostics read_gpu(const std::string& yaml) {
  Document doc = Document::parse(yaml, "gpu.yaml");
  Diagnostics d;
  Reader r(doc.root(), d, "gpu");
  r.bandwidth("nvlink_bandwidth", Need::required);
  r.watts("max_power", Need::optional);
  r.integer("pcie_gen", Need::optional, 1, 6);
  r.reject_unknown_keys();
  return d;
}
}  // namespace

TEST_CASE("a valid map produces no diagnostics") {
  CHECK(read_gpu("nvlink_bandwidth: 600 GB/s\nmax_power: 400 W\npcie_gen: 4\n").ok());
}

TEST_CASE("an unknown key is an error with file, line, column and a suggestion") {
  Diagnostics d = read_gpu("nvlink_bandwidth: 600 GB/s\nmax_powr: 400 W\n");
  REQUIRE(d.items().size() == 1);
  const Diagnostic& e = d.items()[0];
  CHECK(e.where.file == "gpu.yaml");
  CHECK(e.where.line == 2);
  CHECK(e.where.column == 1);
  CHECK(e.message.find("did you mean 'max_power'") != std::string::npos);
}

TEST_CASE("a missing required key, a wrong unit and a zero bandwidth are each reported") {
  CHECK(read_gpu("max_power: 400 W\n").to_string().find("missing required key 'nvlink_bandwidth'") != std::string::npos);
  Diagnostics unit = read_gpu("nvlink_bandwidth: 600 GB\n");
  REQUIRE(unit.items().size() == 1);
  CHECK(unit.items()[0].where.line == 1);
  CHECK(unit.items()[0].where.column == 19);
  CHECK(unit.items()[0].message.find("expected a number and a unit") != std::string::npos);
  Diagnostics zero = read_gpu("nvlink_bandwidth: 0 GB/s\n");
  CHECK(zero.to_string().find("greater than zero") != std::string::npos);
  Diagnostics negative = read_gpu("nvlink_bandwidth: -5 GB/s\n");
  CHECK(negative.to_string().find("greater than zero") != std::string::npos);
}

TEST_CASE("every problem in a file is reported at once") {
  Diagnostics d = read_gpu("nvlink_bandwidth: fast\nmax_power: 400\npcie_gen: 9\ncolour: red\n");
  CHECK(d.items().size() == 4);
}

TEST_CASE("layers: the first layer overrides, the others fill in, locations follow the value") {
  Document base = Document::parse("nvlink_bandwidth: 600 GB/s\nmax_power: 400 W\n", "catalog.yaml");
  Document top = Document::parse("nvlink_bandwidth: 400 GB/s\n", "platform.yaml");
  Diagnostics d;
  Reader r({top.root(), base.root()}, d, "gpu");
  CHECK(r.bandwidth("nvlink_bandwidth", Need::required)->value() == trainsim::test::rel(400e9));
  CHECK(r.watts("max_power", Need::required)->value() == trainsim::test::rel(400));
  CHECK(r.location_of("max_power").file == "catalog.yaml");
  r.reject_unknown_keys();
  CHECK(d.ok());
}

TEST_CASE("estimates: a layer marks its own or inherited values, a more specific value or --set clears the mark") {
  Document base = Document::parse("idle_power: 90 W\nmax_power: 400 W\nprice: 1 USD\nestimates: [idle_power, price]\n",
                                  "catalog.yaml");
  Document child = Document::parse("price: 2 USD\nmax_power: 350 W\nestimates: [max_power]\n", "platform.yaml");
  Diagnostics d;
  Reader r({child.root(), base.root()}, d, "gpu");
  // idle_power: marked by the catalog and not overridden; price: the child's own value clears the
  // catalog's mark; max_power: the child's own estimate.
  CHECK(r.estimates() == std::vector<std::string>{"max_power", "idle_power"});
  r.watts("idle_power", Need::required);
  r.watts("max_power", Need::required);
  r.money("price", Need::required);
  r.reject_unknown_keys();  // `estimates` itself is a known key
  CHECK(d.ok());
  // An entry may mark a value it inherits.
  Document heir = Document::parse("estimates: [price]\n", "heir.yaml");
  Diagnostics d2;
  CHECK(Reader({heir.root(), base.root()}, d2, "gpu").estimates() == std::vector<std::string>{"price", "idle_power"});
  // A --set value is the user's, not the catalog's estimate.
  Document doc = Document::parse("idle_power: 90 W\nestimates: [idle_power]\n", "p.yaml");
  doc.set("idle_power", "80 W", "--set idle_power");
  Diagnostics d3;
  CHECK(Reader(doc.root(), d3, "gpu").estimates().empty());
}

TEST_CASE("estimates naming a key the entry does not set is an error with a suggestion") {
  Document doc = Document::parse("idle_power: 90 W\nestimates: [idle_powr]\n", "catalog.yaml");
  Diagnostics d;
  Reader r(doc.root(), d, "gpu 'X'");
  CHECK(r.estimates().empty());
  REQUIRE(d.items().size() == 1);
  CHECK(d.items()[0].where.line == 2);
  CHECK(d.items()[0].message.find("names 'idle_powr', which this entry does not set (did you mean 'idle_power'?)") !=
        std::string::npos);
  Document not_a_list = Document::parse("idle_power: 90 W\nestimates: idle_power\n", "catalog.yaml");
  Diagnostics d2;
  Reader(not_a_list.root(), d2, "gpu").estimates();
  CHECK(d2.to_string().find("must be a list of its own keys") != std::string::npos);
}

TEST_CASE("invalid YAML syntax is a ConfigError with a line") {
  try {
    Document::parse("a: [1, 2\nb: 3\n", "bad.yaml");
    FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    CHECK(e.diagnostics().items().at(0).where.file == "bad.yaml");
    CHECK(e.diagnostics().items().at(0).where.line >= 1);
  }
}

TEST_CASE("set replaces a value at a dotted path and reports its origin") {
  Document doc = Document::parse("gpu:\n  nvlink_bandwidth: 600 GB/s\n", "p.yaml");
  doc.set("gpu.nvlink_bandwidth", "400 GB/s", "--set gpu.nvlink_bandwidth");
  Diagnostics d;
  Reader gpu(*doc.root().get("gpu"), d, "gpu");
  CHECK(gpu.bandwidth("nvlink_bandwidth", Need::required)->value() == trainsim::test::rel(400e9));
  CHECK(gpu.location_of("nvlink_bandwidth").file == "--set gpu.nvlink_bandwidth");
  doc.set("facility.pue", "1.1", "--set facility.pue");
  CHECK(doc.root().get("facility")->get("pue")->scalar() == "1.1");
}

TEST_CASE("erase removes a key at a dotted path and ignores a missing one") {
  Document doc = Document::parse("training:\n  tokens: 1e9\n  seed: 3\n", "s.yaml");
  doc.erase("training.tokens");
  CHECK(!doc.root().get("training")->get("tokens"));
  CHECK(doc.root().get("training")->get("seed")->scalar() == "3");
  doc.erase("training.iterations");  // not there: nothing happens
  doc.erase("nowhere.at.all");
  CHECK(doc.root().get("training")->get("seed"));
}

TEST_CASE("set below a catalog name says how to override one field of the entry") {
  Document doc = Document::parse("model: gpt3-175b\n", "s.yaml");
  try {
    doc.set("model.position", "alibi", "--set model.position");
    FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    const std::string message = e.diagnostics().items().at(0).message;
    CHECK(message.find("'model' is the value 'gpt3-175b', not a map") != std::string::npos);
    CHECK(message.find("{extends: gpt3-175b, position: ...}") != std::string::npos);
  }
}
