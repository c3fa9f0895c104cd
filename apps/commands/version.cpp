// `swath version [--json]`: swath's version, build and every dependency's build and run-time version.
#include <sstream>

#include "cli/output.hpp"
#include "commands/commands.hpp"
#include "core/errors.hpp"
#include "core/json.hpp"
#include "provenance/provenance.hpp"

namespace swath::commands {

namespace {

std::string version_text() {
  const auto& facts = provenance::build_facts();
  std::ostringstream out;
  out << "swath " << facts.version << " (" << facts.git_describe << ", " << facts.build_type << ", " << facts.compiler
      << ")\n";
  for (const auto& dep : facts.dependencies) {
    out << "  " << dep.name << std::string(10 - std::min<std::size_t>(dep.name.size(), 9), ' ') << "build " << dep.build
        << ", runtime " << (dep.runtime.empty() ? "unknown" : dep.runtime) << "\n";
  }
  return out.str();
}

// The schema first, as every --json document of swath has it; then the build facts outputs record as provenance.
core::Json version_json() {
  core::Json out = core::Json::object();
  out.set("schema", "swath.version/1");
  const core::Json facts = provenance::to_json(provenance::build_facts());
  for (const auto& [key, value] : facts.as_object()) out.set(key, value);
  return out;
}

class VersionCommand final : public cli::Command {
 public:
  std::string name() const override { return "version"; }
  std::string summary() const override { return "Print swath's version, build and dependency versions"; }
  void declare(CLI::App& app, cli::ConfigFlags&) override { app.add_flag("--json", json_, "Print JSON for machines"); }
  int run(const cli::Invocation&) override {
    cli::emit(json_ ? version_json().dump() + "\n" : version_text());
    return static_cast<int>(core::ExitCode::ok);
  }

 private:
  bool json_ = false;
};

}  // namespace

std::unique_ptr<cli::Command> make_version() { return std::make_unique<VersionCommand>(); }

}  // namespace swath::commands
