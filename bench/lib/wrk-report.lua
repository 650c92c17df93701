-- wrk's report for lib/load.ts: responses by status, errors and latency
-- percentiles in microseconds, printed as one JSON line after the run.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(counts) do
    table.insert(parts, string.format('"%d":%d', status, count))
  end
  local errors = summary.errors
  io.write(string.format(
    'WRK_REPORT {"requests":%d,"durationUs":%d,"errors":%d,"timeouts":%d,"p50Us":%d,"p99Us":%d,"statuses":{%s}}\n',
    summary.requests, summary.duration, errors.connect + errors.read + errors.write, errors.timeout,
    latency:percentile(50), latency:percentile(99), table.concat(parts, ",")))
end
