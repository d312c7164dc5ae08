-- latencia.lua - Mapa de calor del RTT por enlace: hora del día × día, mediana del RTT del ping con escala de color (Latencia_Enlaces.xlsx; por defecto el período mensual).
--
-- One sheet per link: rows are the hours 00-23, columns the days of the period; a cell holds the
-- median RTT (ms) of the link's ping records of that hour that got a reply, coloured from green
-- (lowest of the sheet) through yellow to red (highest). "sin resp." marks an hour whose records
-- all went unanswered; an empty cell, an hour without records. sb.probes.heatmap computes the
-- cells, the same the dashboard shows (docs/monitor.md, "Availability and the heat map").
local from, to = sb.report.range("mensual")
if sb.report.format ~= "xlsx" then
	error("latencia: only --format xlsx is written")
end
local links = sb.probes.heatmap{test = "ping", from = from, to = to}
local days = sb.days_in(from, to)

local monitors = {}
for _, L in ipairs(links) do
	monitors[L.monitor] = true
end
local several = next(monitors) ~= nil and next(monitors, next(monitors)) ~= nil

local enlaces = require("enlaces")
local link_name, monitor_name = enlaces.link, enlaces.monitor

-- a sheet's name: at most 31 characters, none of []:*?/\, not used before in the workbook
local used = {}
local function sheet_name(text)
	text = text:gsub("[%[%]:%*%?/\\]", "-")
	if utf8.len(text) == nil then -- not UTF-8: bytes as they are
		text = text:gsub("[\128-\255]", "-")
	end
	local function cut(t, n)
		return utf8.len(t) > n and t:sub(1, utf8.offset(t, n + 1) - 1) or t
	end
	local name, k = cut(text, 31), 1
	while used[name:lower()] do
		k = k + 1
		local suffix = string.format(" (%d)", k)
		name = cut(text, 31 - #suffix) .. suffix
	end
	used[name:lower()] = true
	return name
end
used["resumen"] = true

local wb <close> = sb.xlsx.workbook(sb.report.output("Latencia_Enlaces.xlsx"))
wb:set_properties{title = "Latencia de enlaces", subject = from .. " a " .. to,
	author = "scanbackup " .. sb.version}
local head = wb:add_format{bold = true, font_color = 0xFFFFFF, bg_color = 0x16365C, border = "thin",
	align = "center"}
local hour_fmt = wb:add_format{bold = true, border = "thin", align = "center"}
local ms = wb:add_format{border = "thin", num_format = "0.00", align = "center"}
local none = wb:add_format{border = "thin", bg_color = 0x7F7F7F, font_color = 0xFFFFFF,
	align = "center", font_size = 8}
local blank = wb:add_format{border = "thin"}
local title = wb:add_format{bold = true, font_size = 13}
local int = wb:add_format{border = "thin", num_format = "0"}
local num = wb:add_format{border = "thin", num_format = "0.00"}

-- the summary first
local rs = wb:add_worksheet("Resumen")
rs:write_row(2, 0, {"Enlace", "Id", "Monitor", "IP", "Muestras", "Con respuesta",
	"RTT mediana (ms)", "RTT mínimo (ms)", "RTT máximo (ms)", "Hoja"}, head)
local row = 3
for _, L in ipairs(links) do
	L.sheet = sheet_name(several and string.format("M%d %s", L.monitor, link_name(L)) or
		link_name(L))
	L.ip = L.ip or L.newest.ip
	rs:write_row(row, 0, {link_name(L), L.link, monitor_name(L), L.ip, L.records, L.up,
		L.median, L.min, L.max, L.sheet},
		{blank, int, blank, blank, int, int, num, num, num, blank}, 10)
	row = row + 1
end
if row == 3 then
	rs:write_title(3, 0, "Sin registros de ping en el período.")
end
rs:autofit{min = 6, max = 24} -- each column as wide as its header or values
rs:write_title(0, 0, string.format("RTT de ping por enlace del %s al %s", from, to), title)

-- one heat map per link
for _, L in ipairs(links) do
	local ws = wb:add_worksheet(L.sheet)
	ws:set_column(0, 0, 7)
	ws:set_column(1, #days, 7)
	-- title and legend merged over the columns they need, past the map when it is narrow
	ws:write_title(0, 0, string.format("%s (%s), %s: mediana del RTT en ms por hora y día",
		link_name(L), L.ip, monitor_name(L)), title)
	ws:write_title(1, 0, "Escala: verde = menor RTT, amarillo = intermedio, rojo = mayor; " ..
		"gris \"sin resp.\" = ninguna respuesta en esa hora; vacío = sin registros.")
	ws:write(3, 0, "Hora", head)
	for i, d in ipairs(days) do
		ws:write(3, i, d:sub(6), head)
	end
	for h = 0, 23 do
		local r = 4 + h
		ws:write(r, 0, string.format("%02d:00", h), hour_fmt)
		for i in ipairs(days) do
			local c = L.cells[i][h]
			if c == nil then
				ws:write_blank(r, i, blank)
			elseif c.value == nil then
				ws:write(r, i, "sin resp.", none)
			else
				ws:write_number(r, i, c.value, ms)
			end
		end
	end
	if #days > 0 then
		ws:conditional_format(4, 1, 27, #days, {type = "3_color_scale", min_color = 0x63BE7B,
			mid_color = 0xFFEB84, max_color = 0xF8696B})
	end
	ws:freeze_panes(4, 1)
end
wb:close()
