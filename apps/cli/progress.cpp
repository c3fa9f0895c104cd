// The two progress renderers, throttled so rendering never slows the pipeline's sink.
#include "cli/progress.hpp"

#include <unistd.h>

#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "log/context.hpp"
#include "log/logger.hpp"

namespace swath::cli {

namespace {

using Clock = std::chrono::steady_clock;

std::string clock_text(double seconds) {
  if (seconds < 0) return "--:--";
  const auto s = static_cast<long>(seconds + 0.5);
  char text[32];
  std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  return text;
}

// The bar is the log's status line: a warning logged mid-run starts on its own line, the bar is drawn below it.
class BarProgress final : public pipeline::ProgressSink {
 public:
  ~BarProgress() override { log::end_status(); }  // a run that threw: the error message gets its own line
  void started(const pipeline::Progress& p) override { draw(p); }
  void advanced(const pipeline::Progress& p) override {
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    draw(p);
  }
  void finished(const pipeline::Progress& p) override {
    draw(p);
    log::end_status();
  }

 private:
  void draw(const pipeline::Progress& p) {
    constexpr int width = 30;
    const double fraction = p.total > 0 ? static_cast<double>(p.done) / static_cast<double>(p.total) : 1.0;
    const int filled = static_cast<int>(fraction * width);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(width, ' ');
    log::show_status(fmt::format("[{}] {}/{} {}{}  {:.1f} MPix/s  ETA {} ", bar, p.done, p.total, p.unit,
                                 p.failed > 0 ? " (" + std::to_string(p.failed) + " failed)" : std::string(),
                                 p.megapixels_per_second(), clock_text(p.eta_seconds())));
  }
  Clock::time_point last_{};
};

class LogProgress final : public pipeline::ProgressSink {
 public:
  explicit LogProgress(std::chrono::seconds period) : period_(period) {}
  void started(const pipeline::Progress& p) override {
    last_ = Clock::now();
    const log::ContextGuard guard(run_context_);
    log::get("progress")->info("starting: {} {}", p.total, p.unit);
  }
  void advanced(const pipeline::Progress& p) override {
    const auto now = Clock::now();
    if (now - last_ < period_) return;
    last_ = now;
    line(p);
  }
  void finished(const pipeline::Progress& p) override { line(p); }

 private:
  void line(const pipeline::Progress& p) {
    // Called from the pipeline's sink under the context of the tile it just took in: a line about the run must not
    // carry that tile's scene and tile fields.
    const log::ContextGuard guard(run_context_);
    log::get("progress")
        ->info("{}/{} {} done, {} failed, {:.1f} MPix/s, ETA {}", p.done, p.total, p.unit, p.failed,
               p.megapixels_per_second(), clock_text(p.eta_seconds()));
  }
  std::chrono::seconds period_;
  Clock::time_point last_{};
  log::Context run_context_ = log::current();
};

}  // namespace

std::unique_ptr<pipeline::ProgressSink> make_progress(std::chrono::seconds period) {
  // Progress is information: -q (warnings and errors only) shows neither the bar nor the progress lines.
  if (!log::get("progress")->should_log(spdlog::level::info)) return nullptr;
  if (::isatty(STDERR_FILENO) == 1) return std::make_unique<BarProgress>();
  return std::make_unique<LogProgress>(period);
}

}  // namespace swath::cli
