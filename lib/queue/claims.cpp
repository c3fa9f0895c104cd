// Claims: a hash per queue, location → the work writing there, set only where absent or equal.
#include "queue/claims.hpp"

#include <algorithm>
#include <map>

#include "core/errors.hpp"
#include "queue/script_prelude.hpp"

namespace swath::queue {

namespace {

// ARGV: prefix, mode ("check" | "set" | "reclaim"), then (key, value)... → {key, held, ...} of the conflicts.
// "set" records nothing when any pair conflicts; "reclaim" records every pair.
const Script claim_script{"claim", scripts::compose(scripts::grows, R"lua(
local mode = ARGV[2]
local out = {}
if mode ~= 'reclaim' then
  for i = 3, #ARGV, 2 do
    local held = redis.call('HGET', k('claims'), ARGV[i])
    if held and held ~= ARGV[i + 1] then
      table.insert(out, ARGV[i])
      table.insert(out, held)
    end
  end
end
if mode ~= 'check' and #out == 0 then
  for i = 3, #ARGV, 2 do redis.call('HSET', k('claims'), ARGV[i], ARGV[i + 1]) end
end
return out
)lua")};

const Value& checked(const Value& reply, const std::string& what) {
  if (reply.is_error()) throw core::DataError("Redis refused " + what, reply.text, "check the server's log");
  return reply;
}

// `value` with each stored reference replaced by what it stands for.
std::string expanded(std::string value, const std::map<std::string, std::string>& texts) {
  for (const auto& [ref, text] : texts) {
    if (const auto at = value.find(ref); at != std::string::npos) value.replace(at, ref.size(), text);
  }
  return value;
}

std::string readable(const Claim& claim) {
  return claim.ref.empty() ? claim.value : expanded(claim.value, {{claim.ref, claim.text}});
}

// The texts claims refer to, stored once per queue (a work's options, shared by its thousands of claims).
void record_texts(Connection& connection, const Keys& keys, const std::map<std::string, std::string>& texts) {
  if (texts.empty()) return;
  std::vector<std::string> args{"HSET", keys.claim_texts};
  for (const auto& [ref, text] : texts) args.insert(args.end(), {ref, text});
  (void)checked(connection.command(args), "HSET");
}

std::map<std::string, std::string> stored_texts(Connection& connection, const Keys& keys) {
  std::map<std::string, std::string> out;
  const auto all = checked(connection.command({"HGETALL", keys.claim_texts}), "HGETALL");
  const auto& items = all.as_array();
  for (std::size_t i = 0; i + 1 < items.size(); i += 2) out[items[i].as_string()] = items[i + 1].as_string();
  return out;
}

}  // namespace

std::vector<Claim> plan_claims(const std::vector<Task>& tasks) {
  std::map<std::string, std::string> claimed;
  std::vector<Claim> out;
  for (const auto& task : tasks) {
    for (const auto& claim : task.claims) {
      const auto [it, inserted] = claimed.emplace(claim.key, claim.value);
      if (inserted) {
        out.push_back(claim);
      } else if (it->second != claim.value) {
        const auto earlier = std::find_if(out.begin(), out.end(), [&](const Claim& c) { return c.key == claim.key; });
        throw core::UsageError("output '" + claim.key + "'", "two works of this enqueue would write there: " +
                                                                  readable(*earlier) + "; and " + readable(claim),
                               "enqueue them with different --output directories");
      }
    }
  }
  return out;
}

std::vector<ClaimConflict> record_claims(Connection& connection, const Keys& keys, const std::vector<Claim>& claims,
                                         bool reclaim, std::size_t batch) {
  std::map<std::string, std::string> wanted, texts;
  for (const auto& c : claims) {
    if (!c.ref.empty()) texts[c.ref] = c.text;
    wanted[c.key] = expanded(c.value, texts);
  }
  auto run = [&](const char* mode) {
    std::vector<ClaimConflict> conflicts;
    for (std::size_t start = 0; start < claims.size(); start += batch) {
      std::vector<std::string> args{keys.prefix, mode};
      for (std::size_t i = start; i < std::min(claims.size(), start + batch); ++i) {
        args.push_back(claims[i].key);
        args.push_back(claims[i].value);
      }
      const auto reply = connection.eval(claim_script, {keys.ready}, args);
      const auto& items = reply.as_array();
      for (std::size_t i = 0; i + 1 < items.size(); i += 2) {
        conflicts.push_back({items[i].as_string(), items[i + 1].as_string(), wanted[items[i].as_string()]});
      }
    }
    return conflicts;
  };
  if (claims.empty()) return {};
  auto conflicts = reclaim ? std::vector<ClaimConflict>{} : run("check");
  if (conflicts.empty()) {
    record_texts(connection, keys, texts);  // before the claims that name them
    conflicts = run(reclaim ? "reclaim" : "set");  // a conflict now is another enqueue's, since the check
  }
  if (!conflicts.empty()) {
    const auto known = stored_texts(connection, keys);
    for (auto& c : conflicts) c.held = expanded(c.held, known);
  }
  return conflicts;
}

core::UsageError claim_refusal(const std::string& queue, const std::vector<ClaimConflict>& conflicts) {
  const auto& c = conflicts.front();
  const std::string more = conflicts.size() > 1 ? " (and " + std::to_string(conflicts.size() - 1) + " more)" : "";
  return core::UsageError("output '" + c.key + "'" + more,
                          "other work was enqueued there earlier on queue '" + queue + "': " + c.held + "; this is " + c.wanted,
                          "use another --output; or, to replace that work, remove its files there (and its tasks, if "
                          "queued) and enqueue again with --reclaim");
}

}  // namespace swath::queue
