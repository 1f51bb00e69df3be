-- wrk script: GET /api/v1/verify/{code} with a random real code per request, and a JSON
-- summary (requests/s, latency percentiles, errors) printed at the end.
local codes = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  local path = os.getenv("SEHAT_BENCH_CODES")
  if path then
    for line in io.lines(path) do codes[#codes + 1] = line end
  end
  math.randomseed(os.time() * 100 + (id or 0))
end

function request()
  if #codes == 0 then
    return wrk.format("GET", "/api/v1/verify/10001052348068574304")
  end
  return wrk.format("GET", "/api/v1/verify/" .. codes[math.random(#codes)])
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    'JSON {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.3f, "p99_ms": %.3f, ' ..
    '"max_ms": %.3f, "non2xx": %d, "socket_errors": %d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.status, e.connect + e.read + e.write + e.timeout))
end
