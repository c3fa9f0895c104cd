// Jobs and dead letters as reports (pure formatting): a job's progress, throughput and ETA; dead tasks and why.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "queue/client.hpp"

namespace swath::queue {

// {"schema":"swath.queue.job/1","id","kind","output","priority","trace_id","created","tasks","waiting","running",
// "finishing","done","dead","throughput_per_second","eta_seconds"}; throughput from the first to the last commit,
// ETA of what is unfinished at that rate (null before anything is done).
core::Json to_json(const JobInfo& job);
// One line per job: id, kind, tasks, waiting, running, done, dead, throughput, ETA, trace id.
std::string to_text(const std::vector<JobInfo>& jobs);
// One job for people (`swath queue job ID`): its kind, output, counts, rate and `options`, one per line (the
// caller picks those that apply to the job's kind: fleet::applicable_options).
std::string to_text(const JobInfo& job, const core::Json& options);

// {"schema":"swath.queue.dead/1","queue","tasks":[{"id","job","error","failures","attempt","dead_at","envelope"}]}
core::Json to_json(const std::vector<DeadTask>& dead, const std::string& queue_name);
// One line per dead task: its id, failures and the reason.
std::string to_text(const std::vector<DeadTask>& dead);

}  // namespace swath::queue
