// Claims: location → the work writing there, per queue in small hashes, set only where absent or equal.
#include "queue/claims.hpp"

#include <algorithm>
#include <map>

#include "core/errors.hpp"
#include "queue/script_prelude.hpp"

namespace swath::queue {

namespace {

// ARGV: prefix, mode ("check" | "set" | "reclaim"), then (location, value, claims of its directory in this
// enqueue, a held value that is the same work in another spelling or '')... → {location, held, ...} of the
// conflicts. "set" records nothing when any conflicts; "reclaim" all.
// A location "DIR/NAME" is field NAME of claims:<D>:<B> (D: DIR's hash; B: NAME's hash mod the directory's
// bucket count in `claim_dirs`, set by its first enqueue for ~64 claims each): small hashes Redis keeps as
// listpacks. Layout 2 kept all claims in one hash, `claims`: still read, and emptied as they are replaced.
const Script claim_script{"claim", scripts::compose(scripts::grows, R"lua(
local refused = foreign_layout()
if refused then return refused end
local mode = ARGV[2]
local function where(location)
  local slash = string.find(location, '/[^/]*$')
  local dir = slash and string.sub(location, 1, slash - 1) or ''
  local name = slash and string.sub(location, slash + 1) or location
  return string.sub(redis.sha1hex(dir), 1, 12), name
end
local function bucket(d, name, n)
  return k('claims:' .. d .. ':' .. (tonumber(string.sub(redis.sha1hex(name), 1, 6), 16) % n))
end
local function held(location)
  local d, name = where(location)
  local n = tonumber(redis.call('HGET', k('claim_dirs'), d) or '0')
  return (n > 0 and redis.call('HGET', bucket(d, name, n), name)) or redis.call('HGET', k('claims'), location)
end
local out = {}
if mode ~= 'reclaim' then
  for i = 3, #ARGV, 4 do
    local h = held(ARGV[i])
    if h and h ~= ARGV[i + 1] and h ~= ARGV[i + 3] then
      out[#out + 1] = ARGV[i]
      out[#out + 1] = h
    end
  end
end
if mode ~= 'check' and #out == 0 then
  for i = 3, #ARGV, 4 do
    local d, name = where(ARGV[i])
    redis.call('HSETNX', k('claim_dirs'), d, math.max(1, math.floor(tonumber(ARGV[i + 2]) / 64)))
    redis.call('HSET', bucket(d, name, tonumber(redis.call('HGET', k('claim_dirs'), d))), name, ARGV[i + 1])
    redis.call('HDEL', k('claims'), ARGV[i])
  end
end
return out
)lua")};

const Value& checked(const Value& reply, const std::string& what) {
  if (reply.is_error()) throw core::DataError("Redis refused " + what, reply.text, "check the server's log");
  return reply;
}

// `value` with each stored reference replaced by what it stands for; the longest first, so layout 2's
// `options#REF` is not read as `options` and layout 3's `#REF`.
std::string expanded(std::string value, const std::map<std::string, std::string>& texts) {
  std::vector<std::pair<std::string, std::string>> longest_first(texts.begin(), texts.end());
  std::stable_sort(longest_first.begin(), longest_first.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& [ref, text] : longest_first) {
    if (const auto at = value.find(ref); at != std::string::npos) value.replace(at, ref.size(), text);
  }
  return value;
}

std::string readable(const Claim& claim) {
  return expanded(claim.value, std::map<std::string, std::string>(claim.refs.begin(), claim.refs.end()));
}

// A location's directory ("DIR/NAME" → "DIR"), as the claim script splits it.
std::string directory_of(const std::string& location) {
  const auto slash = location.rfind('/');
  return slash == std::string::npos ? std::string() : location.substr(0, slash);
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
        throw core::UsageError(
            "output '" + claim.key + "'",
            "two works of this enqueue would write there: " + readable(*earlier) + "; and " + readable(claim),
            "enqueue them with different --output directories");
      }
    }
  }
  return out;
}

namespace {

std::vector<ClaimConflict> claim_work(Connection& connection, const Keys& keys, const std::vector<Claim>& claims,
                                      bool reclaim, std::size_t batch, bool check_only, const ClaimSpelling& spelling) {
  const auto spelt = [&spelling](const std::string& text) { return spelling ? spelling(text) : text; };
  std::map<std::string, std::string> wanted, texts;
  std::map<std::string, std::size_t> per_directory;  // sizes a directory's claim buckets when it is first claimed
  for (const auto& c : claims) {
    texts.insert(c.refs.begin(), c.refs.end());
    wanted[c.key] = readable(c);
    ++per_directory[directory_of(c.key)];
  }
  // A held value naming the same work in another spelling (layout 2's `tile /DIR/FILE options#REF`) is the
  // same work: its texts, references expanded, equal this claim's; passed back so "set" accepts that value only.
  std::map<std::string, std::string> same_work;
  auto run = [&](const char* mode) {
    std::vector<ClaimConflict> conflicts;
    for (std::size_t start = 0; start < claims.size(); start += batch) {
      std::vector<std::string> args{keys.prefix, mode};
      for (std::size_t i = start; i < std::min(claims.size(), start + batch); ++i) {
        args.insert(args.end(),
                    {claims[i].key, claims[i].value, std::to_string(per_directory[directory_of(claims[i].key)]),
                     same_work.count(claims[i].key) ? same_work[claims[i].key] : std::string()});
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
  if (!conflicts.empty()) {
    const auto known = stored_texts(connection, keys);
    std::erase_if(conflicts, [&](const ClaimConflict& c) {
      if (spelt(expanded(c.held, known)) != spelt(c.wanted)) return false;
      same_work[c.key] = c.held;
      return true;
    });
  }
  if (check_only) return conflicts;
  if (conflicts.empty()) {
    record_texts(connection, keys, texts);         // before the claims that name them
    conflicts = run(reclaim ? "reclaim" : "set");  // a conflict now is another enqueue's, since the check
  }
  if (!conflicts.empty()) {
    const auto known = stored_texts(connection, keys);
    for (auto& c : conflicts) c.held = expanded(c.held, known);
  }
  return conflicts;
}

}  // namespace

std::vector<ClaimConflict> record_claims(Connection& connection, const Keys& keys, const std::vector<Claim>& claims,
                                         bool reclaim, std::size_t batch, const ClaimSpelling& spelling) {
  return claim_work(connection, keys, claims, reclaim, batch, false, spelling);
}

std::vector<ClaimConflict> claim_conflicts(Connection& connection, const Keys& keys, const std::vector<Claim>& claims,
                                           std::size_t batch, const ClaimSpelling& spelling) {
  return claim_work(connection, keys, claims, false, batch, true, spelling);
}

core::UsageError claim_refusal(const std::string& queue, const std::vector<ClaimConflict>& conflicts) {
  const auto& c = conflicts.front();
  const std::string more = conflicts.size() > 1 ? " (and " + std::to_string(conflicts.size() - 1) + " more)" : "";
  return core::UsageError(
      "output '" + c.key + "'" + more,
      "other work was enqueued there earlier on queue '" + queue + "': " + c.held + "; this is " + c.wanted,
      "use another --output; or, to replace that work, let its tasks finish (swath queue jobs), remove its "
      "files there and enqueue again with --reclaim");
}

}  // namespace swath::queue
