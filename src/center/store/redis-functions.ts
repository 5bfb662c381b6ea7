/**
 * The Redis side of RedisCenterStore: one Lua library, loaded with FUNCTION LOAD, whose functions
 * are the store's atomic operations. Redis runs a function to the end before anything else, so a
 * routing decision (best contact, longest-available agent, offer written) can never interleave
 * with another node's.
 *
 * Keys, under a prefix P (default `ccflow:center:`):
 *   P queues / P agents / P contacts      sets of ids
 *   P q:<id> / P a:<id> / P c:<id>         records, JSON
 *   P w:<listId>    waiting contacts: sorted set, score = priority·2^42 + enqueuedAt (exact in a
 *                   double for any date before 2109), member = 12-digit seq | id, so equal
 *                   scores fall back to arrival order
 *   P av:<queueId>  available agents: score = availableSince, member = 12-digit availableSeq | id
 *   P avq:<agentId> the queues whose available ordering holds the agent
 *   P o:<offerId>   ringing offers, JSON
 *   P seq:contact / P seq:offer / P seq:available   counters
 *   P nodes / P node:<id>   the nodes that joined, and each one's lease (a key with a TTL)
 *   P reaper        the lock of the node reaping dead ones (a key with a TTL)
 *   P events        the event stream supervisors follow (XADD, trimmed to ~10,000)
 * Functions compute key names from the prefix, so the library is for a single Redis server (or a
 * primary with replicas), not Redis Cluster, where every key a function touches must be declared.
 *
 * cjson turns an empty JSON array into `{}`; the TypeScript side puts the arrays back.
 */
export const CENTER_LIBRARY_NAME = "ccflow_center";
/** Bumped whenever the code below changes, so nodes load the version they were built with. */
export const CENTER_LIBRARY_VERSION = "2";

export const CENTER_LIBRARY = `#!lua name=${CENTER_LIBRARY_NAME}

local PRI = 4398046511104

local function get(key)
  local v = redis.call('GET', key)
  if v then return cjson.decode(v) end
  return nil
end
local function put(key, t) redis.call('SET', key, cjson.encode(t)) end
local function num(n) return string.format('%.17g', n) end
local function pad(n) return string.format('%012d', n) end
local function wmember(c) return pad(c.seq) .. '|' .. c.interactionId end
local function amember(a) return pad(a.availableSeq) .. '|' .. a.id end
local function wscore(c) return num(c.priority * PRI + c.enqueuedAt) end
local function is_personal(l) return string.sub(l, 1, 7) == '@agent:' end
local function has_all(a)
  for _, q in ipairs(a.queues or {}) do if q == '*' then return true end end
  return false
end
local function served(p, a)
  if has_all(a) then return redis.call('SMEMBERS', p .. 'queues') end
  return a.queues or {}
end

-- Supervisors on any node follow the stream; a reader that reconnects resumes after the last id it saw.
local function event(p, e)
  redis.call('XADD', p .. 'events', 'MAXLEN', '~', '10000', '*', 'type', e.type, 'data', cjson.encode(e))
end

local function leave_all(p, a)
  local key = p .. 'avq:' .. a.id
  local m = amember(a)
  for _, q in ipairs(redis.call('SMEMBERS', key)) do redis.call('ZREM', p .. 'av:' .. q, m) end
  redis.call('DEL', key)
end
local function join(p, a, queues)
  local m = amember(a)
  for _, q in ipairs(queues) do
    redis.call('ZADD', p .. 'av:' .. q, num(a.availableSince), m)
    redis.call('SADD', p .. 'avq:' .. a.id, q)
  end
end

-- The best head among the agent's lists: lowest score, then lowest member.
local function best_for(p, a)
  local lists = {}
  for _, q in ipairs(served(p, a)) do lists[#lists + 1] = q end
  lists[#lists + 1] = '@agent:' .. a.id
  local best, bestScore, bestMember
  for _, l in ipairs(lists) do
    local r = redis.call('ZRANGE', p .. 'w:' .. l, 0, 0, 'WITHSCORES')
    if #r > 0 then
      local s = tonumber(r[2])
      if best == nil or s < bestScore or (s == bestScore and r[1] < bestMember) then
        best, bestScore, bestMember = string.sub(r[1], 14), s, r[1]
      end
    end
  end
  return best
end

local function write_offer(p, cid, a, now)
  local c = get(p .. 'c:' .. cid)
  redis.call('ZREM', p .. 'w:' .. c.listId, wmember(c))
  leave_all(p, a)
  local offerId = redis.call('INCR', p .. 'seq:offer')
  c.state = 'offered'
  c.agentId = a.id
  c.offerId = offerId
  c.offeredAt = now
  c.offers = (c.offers or 0) + 1
  a.state = 'Reserved'
  a.since = now
  a.reason = nil
  a.offerId = offerId
  a.interactionId = cid
  put(p .. 'c:' .. cid, c)
  put(p .. 'a:' .. a.id, a)
  put(p .. 'o:' .. offerId, { id = offerId, interactionId = cid, agentId = a.id, listId = c.listId, at = now })
  event(p, { type = 'offer', at = now, agentId = a.id, offerId = offerId, interactionId = cid, listId = c.listId })
  return { tostring(offerId), cid, a.id, c.listId, num(now) }
end

local function make_available(p, a, now, keep)
  leave_all(p, a)
  a.state = 'Available'
  a.since = now
  a.reason = nil
  a.offerId = nil
  a.interactionId = nil
  if not keep then
    a.availableSince = now
    a.availableSeq = redis.call('INCR', p .. 'seq:available')
  end
  local best = best_for(p, a)
  if best then return write_offer(p, best, a, now) end
  join(p, a, served(p, a))
  put(p .. 'a:' .. a.id, a)
  return nil
end

redis.register_function('ccf_save_queue', function(_, args)
  local p, q = args[1], cjson.decode(args[2])
  local isNew = redis.call('SADD', p .. 'queues', q.id) == 1
  redis.call('SET', p .. 'q:' .. q.id, args[2])
  if isNew then
    for _, id in ipairs(redis.call('SMEMBERS', p .. 'agents')) do
      local a = get(p .. 'a:' .. id)
      if a and a.state == 'Available' and has_all(a) then join(p, a, { q.id }) end
    end
  end
  return 1
end)

redis.register_function('ccf_save_agent', function(_, args)
  local p, given = args[1], cjson.decode(args[2])
  local key = p .. 'a:' .. given.id
  local a = get(key)
  if not a then
    a = given
    a.state = 'LoggedOut'
    a.availableSince = 0
    a.availableSeq = 0
    a.reason = nil
    a.offerId = nil
    a.interactionId = nil
    redis.call('SADD', p .. 'agents', given.id)
  else
    a.name = given.name
    a.queues = given.queues
    a.email = given.email
    a.teamId = given.teamId
    a.sessionId = given.sessionId
    a.nodeId = given.nodeId
  end
  put(key, a)
  return 1
end)

redis.register_function('ccf_enqueue', function(_, args)
  local p, c = args[1], cjson.decode(args[2])
  local key = p .. 'c:' .. c.interactionId
  local old = get(key)
  if old and old.state == 'queued' and old.listId then redis.call('ZREM', p .. 'w:' .. old.listId, wmember(old)) end
  redis.call('SET', key, args[2])
  redis.call('SADD', p .. 'contacts', c.interactionId)
  redis.call('ZADD', p .. 'w:' .. c.listId, wscore(c), wmember(c))
  return 1
end)

redis.register_function('ccf_make_available', function(_, args)
  local p = args[1]
  local a = get(p .. 'a:' .. args[2])
  if not a then return nil end
  return make_available(p, a, tonumber(args[3]), args[4] == '1')
end)

redis.register_function('ccf_set_state', function(_, args)
  local p = args[1]
  local a = get(p .. 'a:' .. args[2])
  if not a then return nil end
  leave_all(p, a)
  a.state = args[3]
  a.since = tonumber(args[5])
  if args[4] == '' then a.reason = nil else a.reason = args[4] end
  a.offerId = nil
  if a.state ~= 'WrapUp' then a.interactionId = nil end
  put(p .. 'a:' .. a.id, a)
  return cjson.encode(a)
end)

redis.register_function('ccf_route_list', function(_, args)
  local p, listId, now = args[1], args[2], tonumber(args[3])
  if is_personal(listId) then
    local a = get(p .. 'a:' .. string.sub(listId, 8))
    if not a or a.state ~= 'Available' then return nil end
    local best = best_for(p, a)
    if best then return write_offer(p, best, a, now) end
    return nil
  end
  local agents = redis.call('ZRANGE', p .. 'av:' .. listId, 0, 0)
  if #agents == 0 then return nil end
  local contacts = redis.call('ZRANGE', p .. 'w:' .. listId, 0, 0)
  if #contacts == 0 then return nil end
  local a = get(p .. 'a:' .. string.sub(agents[1], 14))
  return write_offer(p, string.sub(contacts[1], 14), a, now)
end)

redis.register_function('ccf_accept', function(_, args)
  local p, now = args[1], tonumber(args[4])
  local a = get(p .. 'a:' .. args[2])
  if not a then return { 'not-reserved', '' } end
  if a.state ~= 'Reserved' then return { 'not-reserved', a.state } end
  if args[3] ~= '' and a.offerId ~= tonumber(args[3]) then return { 'stale-offer', a.state } end
  local o = get(p .. 'o:' .. tostring(a.offerId))
  if not o then return { 'stale-offer', a.state } end
  local c = get(p .. 'c:' .. o.interactionId)
  if not c then return { 'stale-offer', a.state } end
  redis.call('DEL', p .. 'o:' .. tostring(o.id))
  c.state = 'engaged'
  c.answeredAt = now
  a.state = 'Engaged'
  a.since = now
  a.offerId = nil
  put(p .. 'c:' .. c.interactionId, c)
  put(p .. 'a:' .. a.id, a)
  return { 'ok', cjson.encode(c), cjson.encode(a) }
end)

redis.register_function('ccf_cancel_offer', function(_, args)
  local p, now = args[1], tonumber(args[4])
  local okey = p .. 'o:' .. args[2]
  local o = get(okey)
  if not o then return nil end
  redis.call('DEL', okey)
  local a = get(p .. 'a:' .. o.agentId)
  local c = get(p .. 'c:' .. o.interactionId)
  a.offerId = nil
  a.interactionId = nil
  a.state = 'Idle'
  a.since = now
  a.reason = args[3]
  c.state = 'queued'
  c.agentId = nil
  c.offerId = nil
  if is_personal(c.listId) and c.recoveryQueueId then
    c.listId = c.recoveryQueueId
    c.recoveryQueueId = nil
    c.enqueuedAt = now
  end
  redis.call('ZADD', p .. 'w:' .. c.listId, wscore(c), wmember(c))
  put(p .. 'a:' .. a.id, a)
  put(p .. 'c:' .. c.interactionId, c)
  return { c.listId, cjson.encode(c), cjson.encode(a) }
end)

redis.register_function('ccf_remove_contact', function(_, args)
  local p, cid, now = args[1], args[2], tonumber(args[3])
  local ckey = p .. 'c:' .. cid
  local c = get(ckey)
  if not c then return nil end
  local before = redis.call('GET', ckey)
  if c.state == 'queued' and c.listId then redis.call('ZREM', p .. 'w:' .. c.listId, wmember(c)) end
  redis.call('DEL', ckey)
  redis.call('SREM', p .. 'contacts', cid)
  local out = { before, '', '' }
  local a = c.agentId and get(p .. 'a:' .. c.agentId)
  if c.state == 'offered' and a then
    redis.call('DEL', p .. 'o:' .. tostring(c.offerId))
    out[3] = tostring(c.offerId)
    local next = make_available(p, a, now, true)
    out[2] = redis.call('GET', p .. 'a:' .. a.id)
    if next then for _, v in ipairs(next) do out[#out + 1] = v end end
  elseif c.state == 'engaged' and a then
    a.state = 'WrapUp'
    a.since = now
    a.reason = nil
    put(p .. 'a:' .. a.id, a)
    out[2] = cjson.encode(a)
  end
  return out
end)

-- A node's lease ran out: end what died with it, free what it held, hand on what it owed.
redis.register_function('ccf_reap', function(_, args)
  local p, dead, now, heir = args[1], args[2], tonumber(args[3]), args[4]
  local requeued = {}
  local report = { contactsEnded = 0, agentsWrappedUp = 0, offersExpired = 0, agentsLoggedOut = 0, callbacksHandedOn = 0 }
  for _, cid in ipairs(redis.call('SMEMBERS', p .. 'contacts')) do
    local c = get(p .. 'c:' .. cid)
    if c and c.nodeId == dead and c.kind == 'callback' then
      -- Nothing of a callback lives in the node: another node will dial it.
      c.nodeId = heir
      put(p .. 'c:' .. cid, c)
      report.callbacksHandedOn = report.callbacksHandedOn + 1
      event(p, { type = 'callback-handed-on', at = now, interactionId = cid, from = dead, to = heir })
    elseif c and c.nodeId == dead then
      -- The call's media died with the node.
      if c.state == 'queued' and c.listId then redis.call('ZREM', p .. 'w:' .. c.listId, wmember(c)) end
      redis.call('DEL', p .. 'c:' .. cid)
      redis.call('SREM', p .. 'contacts', cid)
      report.contactsEnded = report.contactsEnded + 1
      event(p, { type = 'contact-ended', at = now, interactionId = cid, reason = 'node-lost', node = dead, agentId = c.agentId })
      local a = c.agentId and get(p .. 'a:' .. c.agentId)
      if a and c.state == 'offered' then
        redis.call('DEL', p .. 'o:' .. tostring(c.offerId))
        if a.nodeId ~= dead then
          -- Not the agent's doing: Available again in the place they had.
          make_available(p, a, now, true)
        else
          a.offerId = nil
          a.interactionId = nil
          a.state = 'Idle'
          put(p .. 'a:' .. a.id, a)
        end
      elseif a and c.state == 'engaged' then
        a.state = 'WrapUp'
        a.since = now
        a.reason = nil
        put(p .. 'a:' .. a.id, a)
        report.agentsWrappedUp = report.agentsWrappedUp + 1
        event(p, { type = 'agent-state', at = now, agentId = a.id, state = 'WrapUp', interactionId = cid })
      end
    end
  end
  for _, aid in ipairs(redis.call('SMEMBERS', p .. 'agents')) do
    local a = get(p .. 'a:' .. aid)
    if a and a.nodeId == dead and a.state ~= 'LoggedOut' then
      if a.state == 'Reserved' then
        -- The desktop it rang on is gone: RONA, the contact back to its place.
        local o = get(p .. 'o:' .. tostring(a.offerId))
        local c = o and get(p .. 'c:' .. o.interactionId)
        redis.call('DEL', p .. 'o:' .. tostring(a.offerId))
        if c then
          c.state = 'queued'
          c.agentId = nil
          c.offerId = nil
          if is_personal(c.listId) and c.recoveryQueueId then
            c.listId = c.recoveryQueueId
            c.recoveryQueueId = nil
            c.enqueuedAt = now
          end
          redis.call('ZADD', p .. 'w:' .. c.listId, wscore(c), wmember(c))
          put(p .. 'c:' .. c.interactionId, c)
          requeued[#requeued + 1] = c.listId
          event(p, { type = 'offer-cancelled', at = now, agentId = aid, offerId = a.offerId, interactionId = c.interactionId, reason = 'rona' })
        end
        report.offersExpired = report.offersExpired + 1
      elseif a.state == 'Engaged' then
        -- The agent's leg is gone: the call (on a live node) loses its agent, the agent wraps up.
        local cid = a.interactionId
        local c = cid and get(p .. 'c:' .. cid)
        if c then
          redis.call('DEL', p .. 'c:' .. cid)
          redis.call('SREM', p .. 'contacts', cid)
          event(p, { type = 'agent-lost', at = now, agentId = aid, interactionId = cid, node = c.nodeId })
        end
        event(p, { type = 'agent-state', at = now, agentId = aid, state = 'WrapUp', interactionId = cid })
        report.agentsWrappedUp = report.agentsWrappedUp + 1
      end
      -- Their desktop was on the dead node: signed out after wrap-up, out of every available ordering.
      leave_all(p, a)
      a.state = 'LoggedOut'
      a.since = now
      a.reason = 'node-lost'
      a.offerId = nil
      a.interactionId = nil
      a.sessionId = nil
      put(p .. 'a:' .. aid, a)
      report.agentsLoggedOut = report.agentsLoggedOut + 1
      event(p, { type = 'agent-state', at = now, agentId = aid, state = 'LoggedOut', reason = 'node-lost' })
    end
  end
  redis.call('SREM', p .. 'nodes', dead)
  event(p, { type = 'node-lost', at = now, node = dead, by = heir })
  return { cjson.encode(report), unpack(requeued) }
end)

redis.register_function('ccf_version', function() return '${CENTER_LIBRARY_VERSION}' end)
`;
