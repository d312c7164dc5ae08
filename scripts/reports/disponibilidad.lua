-- disponibilidad.lua - Disponibilidad por enlace según el ping del monitor: % de muestras con respuesta, períodos continuos arriba y abajo, horas y días activos (Disponibilidad_Enlaces.xlsx; por defecto el período mensual).
--
-- A ping record with at least one reply is an "up" sample, one with none (rtt -1) a "down" one.
-- Consecutive samples of the same state make a period; a sample stands for the test's interval
-- after it (the most common gap between two samples of the link), so a period runs from its first
-- sample to its last plus one interval. Active hours and days: those with at least one reply.
local from, to = sb.report.range("mensual")
if sb.report.format ~= "xlsx" then
	error("disponibilidad: only --format xlsx is written")
end

local links, order = {}, {}
sb.probes.query{kind = "ping", from = from, to = to, each = function(r)
	local key = r.monitor .. ":" .. r.link
	local L = links[key]
	if not L then
		L = {monitor = r.monitor, link = r.link, n = 0, up = 0, hours = {}, nhours = 0,
			days = {}, ndays = 0, periods = {}, gaps = {}}
		links[key] = L
		order[#order + 1] = L
	end
	local up = r.received > 0
	L.ip = r.ip
	L.n = L.n + 1
	if up then
		L.up = L.up + 1
		local hour = r.date .. " " .. r.time:sub(1, 2)
		if not L.hours[hour] then
			L.hours[hour] = true
			L.nhours = L.nhours + 1
		end
		if not L.days[r.date] then
			L.days[r.date] = true
			L.ndays = L.ndays + 1
		end
	end
	if L.last then
		local g = r.timestamp - L.last
		L.gaps[g] = (L.gaps[g] or 0) + 1
	end
	local cur = L.periods[#L.periods]
	if cur and cur.up == up then
		cur.last = r.timestamp
		cur.n = cur.n + 1
	else
		L.periods[#L.periods + 1] = {up = up, first = r.timestamp, last = r.timestamp, n = 1}
	end
	L.first = L.first or r.timestamp
	L.last = r.timestamp
end}

-- the interval of a link: its most common gap between samples (60 s when it has one sample)
local function step_of(L)
	local best, count = 60, 0
	for g, c in pairs(L.gaps) do
		if c > count or (c == count and g < best) then
			best, count = g, c
		end
	end
	return best
end

local function stamp(ts)
	return os.date("%Y-%m-%d %H:%M:%S", ts)
end

local function duration(s)
	local d = s // 86400
	local text = string.format("%02d:%02d:%02d", s % 86400 // 3600, s % 3600 // 60, s % 60)
	return d > 0 and string.format("%dd %s", d, text) or text
end

table.sort(order, function(a, b)
	if a.monitor ~= b.monitor then return a.monitor < b.monitor end
	return a.link < b.link
end)

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
local title = wb:add_format{bold = true, font_size = 13}

-- sheet 1: one row per link
local ws = wb:add_worksheet("Disponibilidad")
ws:write(0, 0, string.format("Disponibilidad de enlaces del %s al %s (ping)", from, to), title)
local cols = {"Enlace", "Monitor", "IP", "Muestras", "Con respuesta", "Sin respuesta",
	"Disponibilidad (%)", "Horas activas", "Días activos", "Intervalo (s)", "Primera muestra",
	"Última muestra"}
ws:write_row(2, 0, cols, head)
ws:set_row(2, 30)
ws:set_column(0, 2, 14)
ws:set_column(3, 9, 13)
ws:set_column(10, 11, 20)
local row = 3
for _, L in ipairs(order) do
	L.step = step_of(L)
	ws:write_row(row, 0, {L.link, L.monitor, L.ip, L.n, L.up, L.n - L.up, 100 * L.up / L.n,
		L.nhours, L.ndays, L.step, stamp(L.first), stamp(L.last)},
		{int, int, cell, int, int, int, num, int, int, int, cell, cell})
	row = row + 1
end
if row > 3 then
	ws:conditional_format(3, 6, row - 1, 6, {type = "cell", criteria = ">=", value = 99, format = green})
	ws:conditional_format(3, 6, row - 1, 6, {type = "cell", criteria = "between", min_value = 95,
		max_value = 99, format = amber})
	ws:conditional_format(3, 6, row - 1, 6, {type = "cell", criteria = "<", value = 95, format = red})
	ws:autofilter(2, 0, row - 1, #cols - 1)
else
	ws:write(3, 0, "Sin registros de ping en el período.")
end
ws:freeze_panes(3, 1)

-- sheet 2: the continuous periods
local ps = wb:add_worksheet("Periodos")
ps:write(0, 0, "Períodos continuos arriba y abajo (una muestra cubre el intervalo que la sigue)", title)
ps:write_row(2, 0, {"Enlace", "Monitor", "Estado", "Inicio", "Fin", "Duración", "Duración (min)",
	"Muestras"}, head)
ps:set_column(0, 2, 12)
ps:set_column(3, 4, 20)
ps:set_column(5, 7, 15)
row = 3
for _, L in ipairs(order) do
	for _, p in ipairs(L.periods) do
		local stop = p.last + L.step
		local f = p.up and up_fmt or down_fmt
		ps:write_row(row, 0, {L.link, L.monitor, p.up and "Arriba" or "Abajo", stamp(p.first),
			stamp(stop), duration(stop - p.first), (stop - p.first) / 60, p.n},
			{int, int, f, cell, cell, cell, num, int})
		row = row + 1
	end
end
ps:freeze_panes(3, 0)
if row > 3 then
	ps:autofilter(2, 0, row - 1, 7)
end
wb:close()
