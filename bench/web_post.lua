-- web_post.lua - wrk script for bench/web: POST /subscribe with a new
-- address on every request (per thread counter, per run random prefix).
local threads = {}
function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(os.time() * 1000 + tid)
  prefix = string.format("b%x%d", math.random(0, 0xffffff), tid)
  n = 0
end
function request()
  n = n + 1
  local body = "email=" .. prefix .. "n" .. n ..
    "%40example.org&list=trending&keywords=kv+cache%2C+diffusion&max_papers=10"
  return wrk.format("POST", "/subscribe",
    { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
