// Queue names and the keys derived from them.
#include "queue/keys.hpp"

#include "core/errors.hpp"

namespace swath::queue {

Keys::Keys(const std::string& queue_name) : name(queue_name) {
  const bool valid =
      !name.empty() && name.size() <= 100 &&
      name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") == std::string::npos;
  if (!valid) {
    throw core::UsageError("bad queue name '" + name + "'", "it must be 1-100 characters of letters, digits, _ . -",
                           "for example --queue scenes");
  }
  prefix = "swath:{" + name + "}:";
  ready = prefix + "ready";
  low = prefix + "low";
  leased = prefix + "leased";
  delayed = prefix + "delayed";
  dead = prefix + "dead";
  workers = prefix + "workers";
  counts = prefix + "counts";
  claim_texts = prefix + "claim_texts";
  stats = prefix + "stats";
  durations = prefix + "durations";
  throughput = prefix + "throughput";
  finishing = prefix + "finishing";
  unfinished = prefix + "unfinished";
  jobs = prefix + "jobs";
  deadlines = prefix + "deadlines";
  layout = prefix + "layout";
  bucketed = prefix + "bucketed";
}

}  // namespace swath::queue
