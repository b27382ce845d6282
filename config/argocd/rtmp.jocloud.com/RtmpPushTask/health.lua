-- Argo CD health of an RtmpPushTask, read from the conditions the operator writes (README
-- "Argo CD and Flux"). Argo CD runs this under gopher-lua (Lua 5.1, no os/io): keep it to plain
-- Lua 5.1. Argo CD itself reports objects being deleted, before this script is asked.
local hs = {}

local function findCondition(conditions, conditionType)
  for _, c in ipairs(conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

-- A condition's message, else its reason, else the fallback.
local function describe(c, fallback)
  if c ~= nil and c.message ~= nil and c.message ~= "" then
    return c.message
  end
  if c ~= nil and c.reason ~= nil and c.reason ~= "" then
    return c.reason
  end
  return fallback
end

local function verdict(healthStatus, message)
  hs.status = healthStatus
  hs.message = message
  return hs
end

local status = obj.status
if status == nil or status.conditions == nil or #status.conditions == 0 then
  return verdict("Progressing", "Waiting for the operator to report status")
end

-- Conditions written for an older spec say nothing about the current one.
local generation = obj.metadata.generation
if generation ~= nil and status.observedGeneration ~= generation then
  return verdict("Progressing", "Waiting for the operator to act on generation " .. tostring(generation))
end

-- Stalled: nothing changes without a human (refused spec, vendor refusal, credentials...).
local stalled = findCondition(status.conditions, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  return verdict("Degraded", describe(stalled, "Stalled"))
end

local ready = findCondition(status.conditions, "Ready")
if ready ~= nil and ready.status == "True" then
  -- spec.suspend: true and the push stopped is the state asked for, reported as Ready.
  if ready.reason == "Suspended" then
    return verdict("Suspended", describe(ready, "Suspended"))
  end
  return verdict("Healthy", describe(ready, "Ready"))
end

-- A push problem the vendor keeps reporting: the operator retries, but someone should look.
if ready ~= nil and ready.reason == "PushFailing" then
  return verdict("Degraded", describe(ready, "PushFailing"))
end

local reconciling = findCondition(status.conditions, "Reconciling")
if reconciling ~= nil and reconciling.status == "True" then
  return verdict("Progressing", describe(reconciling, "Reconciling"))
end
return verdict("Progressing", describe(ready, "Waiting for the Ready condition"))
