--[[
v6only.gateway postfix_relay: the header From of mail that a customer VM sends
through the smarthost must name only that VM's customer's mail domains, the
same domains the smarthost already demands of the envelope sender. Placed by
Ansible; the per-VM domains come from the map local.d/v6only_header_from.map,
which rspamd re-reads by itself when the file changes (no reload).

A prefilter with a pre-result, so for VM clients nothing else in rspamd runs:
a VM's mail is refused here or passed unscored, never spam-scored by chance.
Mail from the smarthost (Postfix names it in the milter macro {daemon_name},
which rspamd passes as MTA-Name) from a client not in the table is deferred
(4xx): Postfix refuses such clients itself, so this only happens to a VM just
added, in the seconds between Postfix rebuilding its table and rspamd's new
workers taking this one; the check fails closed and the VM's MTA retries. Mail from
elsewhere (the inbound MX, if the operator's spam hook uses this rspamd) is
left to rspamd's usual rules.

Refused (554 5.7.1, the text below): no From field or more than one (RFC 5322
allows exactly one), a From without a valid address (a group, garbage), and
any From address whose domain is not listed; each address of a From holding
several is checked. Only the address counts: display names (also decoded
words) are not addresses, and subdomains are not their parent domain.
]]--

local N = 'v6only_header_from'
local SYMBOL = 'V6ONLY_HEADER_FROM'

-- A missing or malformed map must fail the config check, never run open: it is
-- read here once for that, then handed to rspamd, which reloads it when it changes.
local opts = rspamd_config:get_all_opt(N)
if type(opts) ~= 'table' or type(opts.senders_map) ~= 'string' or type(opts.smarthost) ~= 'string' then
  error(N .. ': no smarthost name or senders_map in local.d/' .. N .. '.conf')
end
local smarthost = opts.smarthost
local file = io.open(opts.senders_map, 'r')
if not file then
  error(N .. ': cannot read ' .. opts.senders_map)
end
for line in file:lines() do
  if not (line:match('^%s*#') or line:match('^%s*$') or line:match('^[%x:%.]+%s+[%w%.%-]+[%w%.%-,]*%s*$')) then
    error(N .. ': malformed line in ' .. opts.senders_map .. ': ' .. line)
  end
end
file:close()
local senders = rspamd_config:add_map({
  type = 'map', url = opts.senders_map,
  description = 'v6only: VM address -> the mail domains its header From may name',
})
if not senders then
  error(N .. ': cannot load the map ' .. opts.senders_map)
end

-- {domain = true} of the client, or nil when it is not a customer VM.
local function allowed_domains(ip)
  local listed = ip and ip:is_valid() and senders:get_key(ip:to_string())
  if not listed then
    return nil
  end
  local domains = {}
  for domain in string.gmatch(listed, '[^,%s]+') do
    domains[string.lower(domain)] = true
  end
  return domains
end

local function refuse(task, text, action)
  task:insert_result(SYMBOL, 1.0, text)
  task:set_pre_result(action or 'reject', text, N)
end

local function check_header_from(task)
  local ip = task:get_from_ip()
  local allowed = allowed_domains(ip)
  if not allowed then
    if tostring(task:get_request_header('MTA-Name')) == smarthost then
      return refuse(task, string.format('client %s is not a customer VM', ip and ip:to_string() or 'unknown'), 'soft reject')
    end
    return
  end
  local fields = #(task:get_header_full('From') or {})
  if fields == 0 then
    return refuse(task, "message has no header From; it must name one of this VM's customer domains")
  elseif fields > 1 then
    return refuse(task, string.format('message has %d header From fields; exactly one is required', fields))
  end
  local addresses = task:get_from('mime') or {}
  if #addresses == 0 then
    return refuse(task, 'header From holds no address')
  end
  for _, address in ipairs(addresses) do
    local domain = string.lower(address.domain or '')
    if domain == '' or not (address.flags or {}).valid then
      return refuse(task, 'header From holds no valid address')
    end
    if not allowed[domain] then
      return refuse(task, string.format("header From domain %s is not one of this VM's customer domains", domain))
    end
  end
  task:insert_result(SYMBOL, 0.0, 'allowed')
  task:set_pre_result('no action', nil, N)
end

rspamd_config:register_symbol({
  name = SYMBOL,
  type = 'prefilter',
  priority = 10,
  callback = check_header_from,
})
rspamd_config:set_metric_symbol({
  name = SYMBOL, score = 0.0, group = N,
  description = "header From of a customer VM's mail checked against its customer's domains",
})
