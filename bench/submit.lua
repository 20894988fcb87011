-- wrk script: POST the pothole form with a fresh submission key and a new citizen each time (CSRF cookie and
-- token from the environment), at an address the autocompletion offered (the index's, see bench/portal.sh).
-- Each submission comes from its own visitor: the address nginx passes in X-Real-IP, as deployed.
local csrf = os.getenv("BENCH_CSRF")
local counter = 0
local threads = 0

-- Each wrk thread needs its own random sequence, or both send the same submission keys.
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  math.randomseed(os.time() * 100 + (thread_number or 0))
  -- Each run's visitors are new ones: a warm-up run a moment before used other addresses.
  visitor_base = math.random(0, 2 ^ 20) * 16
end

local function uuid()
  local template = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx"
  return (template:gsub("[xy]", function(c)
    local v = (c == "x") and math.random(0, 15) or math.random(8, 11)
    return string.format("%x", v)
  end))
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "csrftoken=" .. csrf
wrk.headers["Referer"] = os.getenv("BENCH_URL")

request = function()
  counter = counter + 1
  local body = "csrfmiddlewaretoken=" .. csrf .. "&submission_key=" .. uuid()
    .. "&location_address=7+Rue+du+Moulin+38560+Saint-Aubin-des-Pr%C3%A9s&location_lat=45.1887&location_lon=5.7245"
    .. "&f_description=Trou+profond+num+" .. counter .. "&f_danger=Non%2C+pas+de+danger+imm%C3%A9diat"
    .. "&contact-first_name=Camille&contact-last_name=Bench" .. thread_number .. "x" .. counter
    .. "&contact-email=bench" .. (thread_number or 0) .. "x" .. counter .. "-" .. math.random(0, 999999) .. "%40example.org"
    .. "&contact-phone=&contact-ack_channel=email"
  local headers = {}  -- wrk.format takes these instead of wrk.headers, not in addition
  for name, value in pairs(wrk.headers) do headers[name] = value end
  local visitor = (visitor_base + counter) % 16777216
  headers["X-Real-IP"] = string.format("10.%d.%d.%d", math.floor(visitor / 65536), math.floor(visitor / 256) % 256, visitor % 256)
  return wrk.format(nil, nil, headers, body)
end

response = function(status, headers, body)
  if status ~= 302 and not reported then
    reported = true
    io.stderr:write("unexpected status " .. status .. "\n" .. body:sub(1, 2000) .. "\n")
  end
end
