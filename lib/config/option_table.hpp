// A module's options declared once: each key's type, range, help and flag, and where its value goes in the
// module's options struct — whose member initialisers are the defaults. The config schema, the CLI flags,
// `config show`, a fleet task's options and the errors naming where a value came from all derive from it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "config/config.hpp"
#include "config/schema.hpp"

namespace swath::config {

// What a declaration says besides how its value is stored.
struct Key {
  std::string name;  // within the section: "size", "scale_up.period_seconds"
  std::string flag;  // "--size", "-f,--format"; empty: set by file and environment only
  std::string help;
};

template <class Options>
class OptionTable {
 public:
  explicit OptionTable(std::string section) : section_(std::move(section)) {}

  const std::string& section() const { return section_; }
  // The keys, defaults taken from a default-constructed Options.
  const std::vector<KeySpec>& specs() const { return specs_; }

  // Every key's value from `config` into `options` (the config checked type and range; parsed keys are
  // checked by their module and name entry.origin when they refuse).
  Options apply(const Config& config, Options options = {}) const {
    for (const auto& option : options_) option.set(options, config.entry(option.key));
    return options;
  }

  // Values the config checks alone, stored as they are (integers of any width, sizes in bytes).
  template <class At>
  OptionTable& integer(Key key, double min, double max, At at) {
    return plain<std::int64_t>(std::move(key), Type::integer, min, max, at);
  }
  template <class At>
  OptionTable& bytes(Key key, double min, double max, At at) {
    return plain<std::int64_t>(std::move(key), Type::bytes, min, max, at);
  }
  template <class At>
  OptionTable& number(Key key, double min, double max, At at) {
    return plain<double>(std::move(key), Type::number, min, max, at);
  }
  template <class At>
  OptionTable& boolean(Key key, At at) {
    return plain<bool>(std::move(key), Type::boolean, 0, 0, at);
  }
  template <class At>
  OptionTable& text(Key key, At at) {
    return plain<std::string>(std::move(key), Type::string, 0, 0, at);
  }
  template <class At>
  OptionTable& list(Key key, At at) {
    return plain<std::vector<std::string>>(std::move(key), Type::list, 0, 0, at);
  }
  template <class At>
  OptionTable& choice(Key key, std::vector<std::string> choices, At at) {
    return plain<std::string>(std::move(key), Type::choice, 0, 0, at, std::move(choices));
  }

  // A value its module parses (an enum, a band list, seconds kept as milliseconds): `show` gives the text of
  // the default, `parse` turns the entry (typed by `type`, within min..max) into the member's value.
  template <class At, class Show, class Parse>
  OptionTable& parsed(Key key, Type type, At at, Show show, Parse parse, std::vector<std::string> choices = {},
                      double min = 0, double max = 0) {
    Options defaults{};
    add_spec(key, type, show(at(defaults)), min, max, std::move(choices));
    options_.push_back({full_key(key.name), [at, parse](Options& o, const Entry& e) { at(o) = parse(e); }});
    return *this;
  }

 private:
  struct Declared {
    std::string key;
    std::function<void(Options&, const Entry&)> set;
  };

  template <class Stored, class At>
  OptionTable& plain(Key key, Type type, double min, double max, At at, std::vector<std::string> choices = {}) {
    using Member = std::remove_reference_t<decltype(at(std::declval<Options&>()))>;
    Options defaults{};
    std::string shown = default_text<Member>(at(defaults));
    if constexpr (std::is_integral_v<Member>) {
      if (type == Type::bytes) shown = byte_size_text(static_cast<std::int64_t>(at(defaults)));
    }
    add_spec(key, type, std::move(shown), min, max, std::move(choices));
    options_.push_back({full_key(key.name),
                        [at](Options& o, const Entry& e) { at(o) = static_cast<Member>(std::get<Stored>(e.value)); }});
    return *this;
  }

  template <class Member>
  static std::string default_text(const Member& value) {
    if constexpr (std::is_same_v<Member, bool>) {
      return value ? "true" : "false";
    } else if constexpr (std::is_integral_v<Member>) {
      return std::to_string(value);
    } else if constexpr (std::is_floating_point_v<Member>) {
      return number_text(value);
    } else if constexpr (std::is_same_v<Member, std::string>) {
      return value;
    } else {
      std::string out;
      for (const auto& item : value) out += (out.empty() ? "" : ",") + item;
      return out;
    }
  }

  void add_spec(const Key& key, Type type, std::string default_text, double min, double max,
                std::vector<std::string> choices) {
    specs_.push_back(
        {full_key(key.name), type, std::move(default_text), min, max, std::move(choices), key.help, key.flag});
  }
  // A table without a section (a file of its own, like a scaling policy) names its keys as they are.
  std::string full_key(const std::string& name) const { return section_.empty() ? name : section_ + "." + name; }

  std::string section_;
  std::vector<KeySpec> specs_;
  std::vector<Declared> options_;
};

}  // namespace swath::config
