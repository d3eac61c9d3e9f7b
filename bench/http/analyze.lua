-- wrk script: POST one-paragraph articles to /v1/analyze, rotating through a
-- few texts (several languages) so language identification varies.
-- wrk counts non-2xx/3xx responses itself (summary.errors.status).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local texts = {
  'The council\'s own experts, of course, claim the deal will create 400 jobs. But who paid for their study? Everyone in town already knows what happens next.',
  'Le ministre a promis que le nouveau pont serait terminé avant l\'hiver, mais personne ne croit plus à ces «promesses» répétées depuis dix ans.',
  'Der Minister versprach, dass die neue Brücke vor dem Winter fertig sein werde, doch die sogenannten Experten schweigen seit Monaten.',
  'Il ministro ha promesso che il nuovo ponte sarebbe stato finito prima dell\'inverno: una promessa che nessuno prende più sul serio.',
  'Minister obiecał, że nowy most zostanie ukończony przed zimą, ale mieszkańcy od lat słyszą te same „obietnice”.',
  'Министр пообещал, что новый мост будет достроен до наступления зимы, но жители давно не верят таким «обещаниям».',
}
local bodies = {}
for i, t in ipairs(texts) do
  -- The texts hold no characters JSON would need escaped beyond these.
  bodies[i] = '{"id":"bench' .. i .. '","text":"Title\\n\\n' .. t:gsub('\\', '\\\\'):gsub('"', '\\"') .. '"}'
end

local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, nil, nil, bodies[(n % #bodies) + 1])
end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("requests: %d in %.1f s = %.0f req/s\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6)))
  io.write(string.format("latency: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("errors: connect %d, read %d, write %d, timeout %d, non-2xx %d\n",
    errors.connect, errors.read, errors.write, errors.timeout, summary.errors.status))
end
