-- pronostico.lua - Pronóstico de capacidad por interfaz: la tendencia del percentil 95 diario y del pico diario, y el día en que se alcanzaría el umbral de uso (Data_Pronostico_BBIP.xlsx).
--
-- Per traffic interface, over the FORECAST_DAYS days ending at --date (default yesterday): each
-- day's 95th percentile of the 5-minute averages and its peak, in Gbps, the least-squares line
-- through each (slope per day, R², days), and the day the 95th percentile's line reaches
-- FORECAST_THRESHOLD % of the capacity, given only when the data supports it (docs/forecast.md).
-- The engine does the work in C: sb.store.forecast, the same function the dashboard calls.
local bbip = require("bbip")
local book = require("book")

local STATUS = {
	few = "pocos días",
	weak = "sin tendencia clara",
	above = "ya supera el umbral",
	flat = "no crece",
	far = "más allá del horizonte",
	date = "fecha proyectada",
}

local COLUMNS = {
	{title = "Capa", key = "layer", kind = "text"},
	{title = "Interfaz", key = "name", kind = "text", min_width = 40, max_width = 60},
	{title = "Tipo", key = "type", kind = "text"},
	{title = "Capacidad", key = "capacity", kind = "number"},
	{title = "Días", key = "days", kind = "integer"},
	{title = "P95 actual (Gbps)", key = "p95", kind = "number"},
	{title = "P95 pendiente (Gbps/día)", key = "p95_slope", kind = "number"},
	{title = "P95 R²", key = "p95_r2", kind = "number"},
	{title = "Pico actual (Gbps)", key = "peak", kind = "number"},
	{title = "Pico pendiente (Gbps/día)", key = "peak_slope", kind = "number"},
	{title = "Pico R²", key = "peak_r2", kind = "number"},
	{title = "Umbral (Gbps)", key = "limit", kind = "number", missing = "sin capacidad"},
	{title = "Cruce del umbral", key = "cross", kind = "text"},
	{title = "Días hasta el cruce", key = "until", kind = "integer"},
	{title = "Estado", key = "status", kind = "text"},
}

local _, to = sb.report.range("diario")
local days = sb.setting("FORECAST_DAYS")
local from = sb.date_add(to, 1 - days)
local threshold = sb.setting("FORECAST_THRESHOLD")
local rows = {}
for _, layer in ipairs(bbip.layers()) do
	for _, f in ipairs(sb.store.forecast{layer = layer, from = from, to = to}) do
		local p, k = f.p95_fit, f.peak_fit
		local row = {layer = layer, name = f.name, type = f.type, capacity = f.capacity,
			days = p.days, p95 = p.last, p95_slope = p.slope, p95_r2 = p.r2,
			peak = k.last, peak_slope = k.slope, peak_r2 = k.r2, limit = f.limit,
			cross = p.cross, status = STATUS[p.status] or p.status}
		-- a rising line with no capacity to reach
		if f.capacity == nil and p.status == "far" then row.status = "sin capacidad" end
		-- the days from the window's last day to the crossing
		if p.cross then row["until"] = #sb.days_in(to, p.cross) - 1 end
		rows[#rows + 1] = row
	end
end
-- soonest crossing first, then the others by layer, type and name
table.sort(rows, function(a, b)
	if (a.cross ~= nil) ~= (b.cross ~= nil) then return a.cross ~= nil end
	if a.cross ~= nil and a.cross ~= b.cross then return a.cross < b.cross end
	if a.layer ~= b.layer then return a.layer < b.layer end
	return bbip.by_type_name(a, b)
end)

local RULE = string.format("Ajuste por mínimos cuadrados del percentil 95 diario (y del pico " ..
	"diario) de los %d días hasta %s; el cruce es el primer día en que la recta alcanza el " ..
	"%g %% de la capacidad. Se da solo con al menos %d días con datos, R² de al menos %g y un " ..
	"cruce a no más de %d días (docs/forecast.md).", days, to, threshold,
	sb.setting("FORECAST_MIN_DAYS"), sb.setting("FORECAST_MIN_R2"), sb.setting("FORECAST_HORIZON"))
book.write{file = "Data_Pronostico_BBIP", title = "Pronóstico de capacidad BBIP", from = from,
	to = to, sheets = {{name = "Pronóstico", columns = COLUMNS, rows = rows, notes = {RULE}}}}
