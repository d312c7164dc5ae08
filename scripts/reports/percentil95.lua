-- percentil95.lua - Percentil 95 de entrada y salida por interfaz sobre las muestras de 5 minutos (Data_Percentil95_BBIP.xlsx; por defecto el período mensual).
--
-- The billing figure of transit links: per interface, of the raw 5-minute averages of the period,
-- the N samples sorted ascending and the one at rank ceil(0.95·N) taken, beside their mean and the
-- peak of the 5-minute maxima. Values in Gbps (the raw bytes/s times SUMMARY_FACTOR, as the daily
-- summaries). sb.store.history_stats does the sorting in C: a month of a layer is millions of rows.
local bbip = require("bbip")
local book = require("book")

local PCT = 95
local RULE = string.format("Percentil %d: se ordenan de menor a mayor las N muestras de 5 minutos " ..
	"del período y se toma la de posición ceil(0,%02d·N) (N = 288 por día normal).", PCT, PCT)

local COLUMNS = {
	{title = "Interfaz", key = "name", kind = "text", min_width = 40, max_width = 60},
	{title = "Tipo", key = "type", kind = "text"},
	{title = "Capacidad", key = "capacity", kind = "number"},
	{title = "In Prom", key = "inAvg", kind = "number"},
	{title = "In Pico", key = "inPeak", kind = "number"},
	{title = "In P95", key = "inPct", kind = "number"},
	{title = "Out Prom", key = "outAvg", kind = "number"},
	{title = "Out Pico", key = "outPeak", kind = "number"},
	{title = "Out P95", key = "outPct", kind = "number"},
	{title = "Uso P95 (%)", key = "use", kind = "number"},
	{title = "Muestras", key = "samples", kind = "integer"},
	{title = "Días con datos", key = "days", kind = "integer"},
	{title = "Completitud (%)", key = "completeness", kind = "number"},
}

local p = bbip.period("mensual")
local F = sb.setting("SUMMARY_FACTOR")
local sheets, layers, dates = {}, {}, {}
for _, layer in ipairs(bbip.layers()) do
	local rows, layer_dates, ndates = {}, {}, 0
	for _, s in ipairs(sb.store.history_stats{layer = layer, from = p.from, to = p.to,
		percentile = PCT}) do
		local row = {name = s.name, type = s.type, capacity = s.capacity, layer = layer,
			inAvg = s.inAvg * F, inPeak = s.inPeak * F, inPct = s.inPct * F,
			outAvg = s.outAvg * F, outPeak = s.outPeak * F, outPct = s.outPct * F,
			samples = s.samples, days = s.days}
		for _, d in ipairs(s.dates) do
			if not layer_dates[d] then
				layer_dates[d] = true
				dates[d] = true
				ndates = ndates + 1
			end
		end
		row.use = bbip.use(row.inPct, row.outPct, row.capacity)
		row.completeness = bbip.completeness(s.samples, p.samples)
		row.marked = s.days < p.days
		rows[#rows + 1] = row
	end
	table.sort(rows, bbip.by_type_name)
	layers[#layers + 1] = {layer = layer, rows = rows, days = ndates}
	sheets[#sheets + 1] = {name = layer, columns = COLUMNS, rows = rows, use = "use",
		marked_keys = bbip.MARKED, notes = {RULE}}
end

local b = {file = "Data_Percentil95_BBIP", title = "Reporte Percentil 95 BBIP", from = p.from,
	to = p.to, sheets = sheets}
b.summary = bbip.summary(p, layers, dates, {
	totals = {
		{key = "inPct", title = "In P95"}, {key = "outPct", title = "Out P95"},
		{key = "capacity", title = "Capacidad"},
	},
	rank = {key = "use", title = "Uso P95 (%)"},
	top = {
		{title = "In P95", key = "inPct", kind = "number"},
		{title = "Out P95", key = "outPct", kind = "number"},
		{title = "Capacidad", key = "capacity", kind = "number"},
	},
	info = {{"Regla del percentil", RULE}},
})
book.write(b)
