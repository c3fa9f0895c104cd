// Hand-written SVG: one panel per strategy, backlog (filled, left axis) and replicas (line, right axis) over time.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "scale/simulate.hpp"

namespace swath::scale {

namespace {

constexpr double kWidth = 860, kPanel = 170, kLeft = 70, kRight = 60, kTop = 30, kGap = 40;

std::string escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string plot_svg(const std::vector<SimResult>& results, std::optional<double> deadline_seconds) {
  double t_max = deadline_seconds.value_or(0);
  long long backlog_max = 1;
  int replicas_max = 1;
  for (const auto& r : results) {
    for (const auto& s : r.samples) {
      t_max = std::max(t_max, s.time);
      backlog_max = std::max(backlog_max, s.backlog);
      replicas_max = std::max(replicas_max, s.replicas);
    }
  }
  t_max = std::max(t_max, 1.0);
  const double plot_w = kWidth - kLeft - kRight;
  const double height = kTop + static_cast<double>(results.size()) * (kPanel + kGap) + 20;
  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.0f}\" height=\"{:.0f}\" viewBox=\"0 0 {:.0f} {:.0f}\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{}\" y=\"18\" font-size=\"14\">swath scale-plan --simulate: backlog (blue, left) and replicas (orange, right)</text>\n",
      kWidth, height, kWidth, height, kLeft);
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    const double y0 = kTop + static_cast<double>(i) * (kPanel + kGap) + 10;
    auto x = [&](double t) { return kLeft + t / t_max * plot_w; };
    auto yb = [&](double b) { return y0 + kPanel - b / static_cast<double>(backlog_max) * kPanel; };
    auto yr = [&](double n) { return y0 + kPanel - n / replicas_max * kPanel; };
    svg += fmt::format("<g><text x=\"{}\" y=\"{:.1f}\" font-weight=\"bold\">{}</text>\n", kLeft, y0 - 4,
                       escape(r.strategy));
    svg +=
        fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">done {:.0f}s, {:.0f} pod-s, {} late</text>\n",
                    kWidth - kRight, y0 - 4, r.completion_seconds, r.pod_seconds, r.deadline_misses);
    svg += fmt::format("<rect x=\"{}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{}\" fill=\"none\" stroke=\"#999\"/>\n",
                       kLeft, y0, plot_w, kPanel);
    std::string area = fmt::format("{:.1f},{:.1f}", x(0), yb(0));
    std::string line;
    for (std::size_t k = 0; k < r.samples.size(); ++k) {
      const auto& s = r.samples[k];
      const double next_t = k + 1 < r.samples.size() ? r.samples[k + 1].time : s.time;
      area += fmt::format(" {:.1f},{:.1f} {:.1f},{:.1f}", x(s.time), yb(static_cast<double>(s.backlog)), x(next_t),
                          yb(static_cast<double>(s.backlog)));
      line += fmt::format("{}{:.1f},{:.1f} {:.1f},{:.1f}", line.empty() ? "" : " ", x(s.time), yr(s.replicas),
                          x(next_t), yr(s.replicas));
    }
    area += fmt::format(" {:.1f},{:.1f}", x(r.samples.empty() ? 0 : r.samples.back().time), yb(0));
    svg += "<polygon fill=\"#9ecae1\" stroke=\"#3182bd\" points=\"" + area + "\"/>\n";
    svg += "<polyline fill=\"none\" stroke=\"#e6550d\" stroke-width=\"2\" points=\"" + line + "\"/>\n";
    if (deadline_seconds) {
      svg += fmt::format(
          "<line x1=\"{0:.1f}\" x2=\"{0:.1f}\" y1=\"{1:.1f}\" y2=\"{2:.1f}\" stroke=\"red\" stroke-dasharray=\"4 3\"/>\n",
          x(*deadline_seconds), y0, y0 + kPanel);
    }
    svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", kLeft - 4, y0 + 10, backlog_max);
    svg += fmt::format("<text x=\"{}\" y=\"{:.1f}\" text-anchor=\"end\">0</text>\n", kLeft - 4, y0 + kPanel);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{} pods</text>\n", kWidth - kRight + 4, y0 + 10, replicas_max);
    svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{:.0f}s</text></g>\n", kWidth - kRight,
                       y0 + kPanel + 14, t_max);
  }
  return svg + "</svg>\n";
}

}  // namespace swath::scale
