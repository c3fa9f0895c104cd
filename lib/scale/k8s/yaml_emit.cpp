// JSON trees to YAML through yaml-cpp's emitter, quoting strings that YAML would otherwise read as numbers,
// booleans or null ("8", "true", "1Gi" is fine), so a manifest means what it was built to mean.
#include <yaml-cpp/yaml.h>

#include <regex>

#include "scale/k8s/manifests.hpp"

namespace swath::scale::k8s {

namespace {

bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  try {
    const YAML::Node n = YAML::Load(s);
    if (!n.IsScalar() || n.Scalar() != s) return true;
    // Plain scalars that resolve to other types under YAML 1.1/1.2 core rules.
    bool b = false;
    double d = 0;
    if (YAML::convert<bool>::decode(n, b) || YAML::convert<double>::decode(n, d)) return true;
    if (s == "~" || s == "null" || s == "Null" || s == "NULL") return true;
    // Numbers yaml-cpp does not decode but YAML 1.1 (Go's yaml, kubectl) or 1.2 read: hex, octal, binary, digits
    // grouped by underscores.
    static const std::regex radix("[-+]?(0x[0-9a-fA-F_]+|0o[0-7_]+|0b[01_]+|0[0-7_]+|[0-9][0-9_]*(\\.[0-9_]*)?)");
    if (std::regex_match(s, radix)) return true;
  } catch (const YAML::Exception&) {
    return true;
  }
  return s.find_first_of(":#{}[]&*!|>'\"%@`") != std::string::npos || s.front() == '-' || s.front() == ' ' ||
         s.back() == ' ';
}

void emit(YAML::Emitter& out, const core::Json& v) {
  if (v.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [key, value] : v.as_object()) {
      out << YAML::Key << key << YAML::Value;
      emit(out, value);
    }
    out << YAML::EndMap;
  } else if (v.is_array()) {
    out << YAML::BeginSeq;
    for (const auto& item : v.as_array()) emit(out, item);
    out << YAML::EndSeq;
  } else if (v.is_string()) {
    const auto& s = v.as_string();
    if (needs_quotes(s)) {
      out << YAML::DoubleQuoted << s;
    } else {
      out << s;
    }
  } else if (v.is_bool()) {
    out << YAML::TrueFalseBool << v.as_bool();
  } else if (v.is_int()) {
    out << v.as_int();
  } else if (v.is_number()) {
    out << v.as_double();
  } else {
    out << YAML::Null;
  }
}

}  // namespace

std::string to_yaml(const core::Json& value, const std::string& header_comment) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  emit(out, value);
  std::string text = header_comment.empty() ? std::string() : "# " + header_comment + "\n";
  text += out.c_str();
  return text + "\n";
}

}  // namespace swath::scale::k8s
