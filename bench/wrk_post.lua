-- Scenario 2's saturation load for wrk: the requests bench/http_load.py passes in
-- SOLDE_BENCH_LINE and SOLDE_BENCH_PAYMENT, a charge then a payment that pays it, spread over
-- the customers of SOLDE_BENCH_IDS.
-- At the end it prints one JSON line with the throughput, the errors and the latencies.

local ids = {}
for id in string.gmatch(os.getenv("SOLDE_BENCH_IDS") or "", "%d+") do
  ids[#ids + 1] = id
end

local line = os.getenv("SOLDE_BENCH_LINE")
local payment = os.getenv("SOLDE_BENCH_PAYMENT")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("SOLDE_BENCH_KEY") or "")

local threads = {}
local counter = 0

function setup(thread)
  thread:set("first", #threads * 1000003)
  threads[#threads + 1] = thread
end

function init(args)
  counter = first
end

function request()
  local index = counter
  counter = counter + 1
  local id = ids[math.floor(index / 2) % #ids + 1]
  if index % 2 == 0 then
    return wrk.format(nil, "/v1/customers/" .. id .. "/transactions", nil, line)
  end
  return wrk.format(nil, "/v1/customers/" .. id .. "/payments", nil, payment)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.6f, "failures": %d, "p50_ms": %.4f, "p90_ms": %.4f, '
      .. '"p99_ms": %.4f, "max_ms": %.4f}\n',
    summary.requests, summary.duration / 1e6,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
end
