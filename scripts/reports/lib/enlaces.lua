-- enlaces.lua - how the monitor's workbooks call a link and its monitor: by the names the box's
-- monitor.json gives them (sb.probes: name, monitor_name), or "Enlace 9" and "Monitor 2" for
-- results stored before monitors named their links.
local M = {}

function M.link(L)
	return L.name or string.format("Enlace %d", L.link)
end

function M.monitor(L)
	return L.monitor_name or string.format("Monitor %d", L.monitor)
end

return M
