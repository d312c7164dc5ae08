-- disponibilidad.lua - Disponibilidad por enlace según el ping del monitor: % de muestras con respuesta, períodos continuos arriba y abajo, horas y días activos (Disponibilidad_Enlaces.xlsx; por defecto el período mensual).
--
-- The figures come from sb.probes.availability, the rule the dashboard uses too (docs/monitor.md,
-- "Availability and the heat map"): a ping record with at least one reply is "up", one without
-- is "down"; a record stands for the link's interval after it (the median gap between its
-- records); consecutive records of the same state make a period, and a silence of more than 3
-- intervals is a period without data. Active hours and days: those with at least one reply.
local from, to = sb.report.range("mensual")
if sb.report.format ~= "xlsx" then
	error("disponibilidad: only --format xlsx is written")
end

local links = sb.probes.availability{test = "ping", from = from, to = to}

local enlaces = require("enlaces")
local link_name, monitor_name = enlaces.link, enlaces.monitor

local function stamp(ts)
	return os.date("%Y-%m-%d %H:%M:%S", ts)
end

local function duration(s)
	local d = s // 86400
	local text = string.format("%02d:%02d:%02d", s % 86400 // 3600, s % 3600 // 60, s % 60)
	return d > 0 and string.format("%dd %s", d, text) or text
end

local wb <close> = sb.xlsx.workbook(sb.report.output("Disponibilidad_Enlaces.xlsx"))
wb:set_properties{title = "Disponibilidad de enlaces", subject = from .. " a " .. to,
	author = "scanbackup " .. sb.version}
local head = wb:add_format{bold = true, font_color = 0xFFFFFF, bg_color = 0x16365C, border = "thin",
	text_wrap = true, valign = "vcenter"}
local cell = wb:add_format{border = "thin"}
local num = wb:add_format{border = "thin", num_format = "0.00"}
local int = wb:add_format{border = "thin", num_format = "0"}
local green = wb:add_format{bg_color = 0xC6EFCE, font_color = 0x006100}
local amber = wb:add_format{bg_color = 0xFFEB9C, font_color = 0x9C5700}
local red = wb:add_format{bg_color = 0xFFC7CE, font_color = 0x9C0006}
local up_fmt = wb:add_format{border = "thin", bg_color = 0xC6EFCE}
local down_fmt = wb:add_format{border = "thin", bg_color = 0xFFC7CE}
local none_fmt = wb:add_format{border = "thin", bg_color = 0xD9D9D9}
local title = wb:add_format{bold = true, font_size = 13}

-- sheet 1: one row per link
local ws = wb:add_worksheet("Disponibilidad")
local cols = {"Enlace", "Id", "Monitor", "IP", "Muestras", "Con respuesta", "Sin respuesta",
	"Disponibilidad (%)", "Horas activas", "Días activos", "Intervalo (s)", "Primera muestra",
	"Última muestra", "Mayor período arriba (min)", "Mayor caída (min)"}
ws:write_row(2, 0, cols, head)
local row = 3
for _, L in ipairs(links) do
	ws:write_row(row, 0, {link_name(L), L.link, monitor_name(L), L.ip or L.newest.ip, L.records,
		L.up, L.down, L.pct, L.active_hours, L.active_days, L.step, stamp(L.first),
		stamp(L.last), L.longest_up / 60, L.longest_down / 60},
		{cell, int, cell, cell, int, int, int, num, int, int, int, cell, cell, num, num})
	row = row + 1
end
if row > 3 then
	ws:conditional_format(3, 7, row - 1, 7, {type = "cell", criteria = ">=", value = 99, format = green})
	ws:conditional_format(3, 7, row - 1, 7, {type = "cell", criteria = "between", min_value = 95,
		max_value = 99, format = amber})
	ws:conditional_format(3, 7, row - 1, 7, {type = "cell", criteria = "<", value = 95, format = red})
	ws:autofilter(2, 0, row - 1, #cols - 1)
else
	ws:write_title(3, 0, "Sin registros de ping en el período.")
end
ws:freeze_panes(3, 1)
ws:autofit{min = 6, max = 24} -- each column as wide as its header or values
-- the title last: merged over the columns it needs, at their final widths
ws:write_title(0, 0, string.format("Disponibilidad de enlaces del %s al %s (ping)", from, to),
	title)

-- sheet 2: the continuous periods
local state_name = {up = "Arriba", down = "Abajo", none = "Sin datos"}
local state_fmt = {up = up_fmt, down = down_fmt, none = none_fmt}
local ps = wb:add_worksheet("Periodos")
ps:write_row(2, 0, {"Enlace", "Id", "Monitor", "Estado", "Inicio", "Fin", "Duración",
	"Duración (min)", "Muestras"}, head)
row = 3
for _, L in ipairs(links) do
	for _, p in ipairs(L.periods) do
		ps:write_row(row, 0, {link_name(L), L.link, monitor_name(L), state_name[p.state],
			stamp(p.start), stamp(p["end"]), duration(p["end"] - p.start),
			(p["end"] - p.start) / 60, p.records},
			{cell, int, cell, state_fmt[p.state], cell, cell, cell, num, int})
		row = row + 1
	end
end
ps:freeze_panes(3, 0)
if row > 3 then
	ps:autofilter(2, 0, row - 1, 8)
end
ps:autofit{min = 6, max = 24}
ps:write_title(0, 0, "Períodos continuos arriba y abajo (una muestra cubre el intervalo que la " ..
	"sigue; un silencio de más de 3 intervalos es un período sin datos)", title)
wb:close()
