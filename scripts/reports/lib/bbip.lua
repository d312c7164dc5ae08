-- bbip.lua - the BBIP workbooks: per-interface period averages of the daily summaries (docs/data.md),
-- completeness, sort order and the Resumen sheet; shared by diario, semanal, quincenal, mensual.
local book = require("book")

local M = {}

-- The layers of the BBIP workbooks, in sheet order (IPBRAS counts IPs, it has its own reports).
M.LAYERS = {"BORDE", "BRAS", "CACHING", "RAI", "IXP"}

-- The sheets of a workbook: the five BBIP layers, then every other traffic layer (not in_only) a
-- loaded module adds (docs/modules.md), in name order.
function M.layers()
	local out, seen, extra = {}, {}, {}
	for _, l in ipairs(M.LAYERS) do
		out[#out + 1] = l
		seen[l] = true
	end
	for _, l in ipairs(sb.store.layers()) do
		if not l.in_only and not seen[l.layer] then
			extra[#extra + 1] = l.layer
			seen[l.layer] = true
		end
	end
	table.sort(extra)
	for _, l in ipairs(extra) do out[#out + 1] = l end
	return out
end

-- The old tool's columns (docs/data.md), then how complete each row is.
M.COLUMNS = {
	{title = "Interfaz", key = "name", kind = "text", min_width = 40, max_width = 60},
	{title = "In Prom", key = "inProm", kind = "number"},
	{title = "In Max Prom", key = "inMaxProm", kind = "number"},
	{title = "Out Prom", key = "outProm", kind = "number"},
	{title = "Out Max Prom", key = "outMaxProm", kind = "number"},
	{title = "Capacidad", key = "capacity", kind = "number"},
	{title = "Tipo", key = "type", kind = "text"},
	{title = "Uso (%)", key = "use", kind = "number"},
	{title = "Días con datos", key = "days", kind = "integer"},
	{title = "Completitud (%)", key = "completeness", kind = "number", missing = "desconocida"},
}

-- Cells filled on the rows of interfaces with fewer days of data than the period.
M.MARKED = {name = true, days = true}

-- Rows by type, then name (byte order, as the store sorts).
function M.by_type_name(a, b)
	if a.type ~= b.type then return a.type < b.type end
	return a.name < b.name
end

-- The period of this run: --from/--to, else the named period over --date/--literal. With the
-- number of days and of 5-minute samples expected of an interface (local time, DST counted).
function M.period(default)
	local from, to = sb.report.range(default)
	return {from = from, to = to, days = sb.period_days(from, to),
		samples = sb.period_samples(from, to)}
end

-- use = max(in max, out max) / capacity · 100; nil without capacity.
function M.use(in_max, out_max, capacity)
	if capacity == nil or capacity <= 0 then return nil end
	return math.max(in_max, out_max) / capacity * 100
end

-- samples present ÷ samples expected, in %; nil when unknown.
function M.completeness(samples, expected)
	if samples == nil or expected <= 0 then return nil end
	return samples / expected * 100
end

-- The label of a resolution of MRTG's consolidations (seconds), as the workbooks write it.
M.RESOLUTION = {[1800] = "30 min", [7200] = "2 h", [86400] = "1 día"}

-- What the completeness column says of an interface some of whose days were summarised from
-- MRTG's consolidations (docs/data.md): their coarsest resolution ("30 min"), and how many such
-- days when the others are of 5-minute samples ("30 min en 3 días"): a percentage of 5-minute
-- samples would mislead.
function M.resolution_text(res, coarse_days, days)
	local label = M.RESOLUTION[res] or (tostring(res) .. " s")
	if coarse_days >= days then return label end
	return string.format("%s en %d día%s", label, coarse_days, coarse_days == 1 and "" or "s")
end

-- Per-layer accumulation of daily summaries, then the averaged rows.
local function collector()
	return {acc = {}, list = {}, ndates = 0, daily = {}}
end

-- Called once per summary row of the period (hundreds of thousands): fields read once into locals.
-- r is the one table the query refills for every row (reuse = true): its values are kept, never r.
local function collect(c, r, dates)
	local name, date = r.name, r.date
	local inProm, inMaxProm, outProm, outMaxProm = r.inProm, r.inMaxProm, r.outProm, r.outMaxProm
	local a = c.acc[name]
	if a == nil then
		a = {name = name, n = 0, inProm = 0.0, inMaxProm = 0.0, outProm = 0.0,
			outMaxProm = 0.0, samples = 0, unknown = false, newest = "", dates = {}, days = 0,
			res = 300, coarse = 0}
		c.acc[name] = a
		c.list[#c.list + 1] = a
	end
	a.n = a.n + 1
	a.inProm = a.inProm + inProm
	a.inMaxProm = a.inMaxProm + inMaxProm
	a.outProm = a.outProm + outProm
	a.outMaxProm = a.outMaxProm + outMaxProm
	local samples = r.samples
	if samples == nil then
		a.unknown = true
	else
		a.samples = a.samples + samples
	end
	local res = r.resolution or 300
	if res > 300 then
		a.coarse = a.coarse + 1
		if res > a.res then a.res = res end
	end
	local seen = a.dates
	if not seen[date] then
		seen[date] = true
		a.days = a.days + 1
	end
	if date >= a.newest then
		a.newest, a.type, a.capacity = date, r.type, r.capacity
	end
	-- the layer's sums of the day (its first row of the day also counts the date)
	local d = c.daily[date]
	if d == nil then
		d = {inProm = 0.0, inMaxProm = 0.0, outProm = 0.0, outMaxProm = 0.0}
		c.daily[date] = d
		c.ndates = c.ndates + 1
		dates[date] = true
	end
	d.inProm = d.inProm + inProm
	d.inMaxProm = d.inMaxProm + inMaxProm
	d.outProm = d.outProm + outProm
	d.outMaxProm = d.outMaxProm + outMaxProm
end

local function rows_of(c, layer, p)
	local rows = {}
	for i, a in ipairs(c.list) do
		local row = {name = a.name, type = a.type, capacity = a.capacity,
			inProm = a.inProm / a.n, inMaxProm = a.inMaxProm / a.n,
			outProm = a.outProm / a.n, outMaxProm = a.outMaxProm / a.n,
			days = a.days, layer = layer}
		row.use = M.use(row.inMaxProm, row.outMaxProm, row.capacity)
		if a.coarse > 0 then
			row.resolution = a.res
			row.completeness = M.resolution_text(a.res, a.coarse, a.n)
		elseif not a.unknown then
			row.samples = a.samples
			row.completeness = M.completeness(a.samples, p.samples)
		end
		row.marked = a.days < p.days
		rows[i] = row
	end
	return rows, c.ndates
end

-- The rows of one layer over period p: per interface, the mean of inProm, outProm, inMaxProm and
-- outMaxProm over its days with data, capacity and type of its newest day, use recomputed from
-- the averaged maxima, days with data, completeness (unknown when a day has no sample count),
-- marked when it has fewer days than the period. Returns the rows (unsorted) and the number of
-- dates with data in the layer; adds every date seen to dates.
function M.layer_rows(layer, p, dates)
	local c = collector()
	sb.store.summaries{layer = layer, from = p.from, to = p.to, reuse = true, each = function(r)
		collect(c, r, dates)
	end}
	return rows_of(c, layer, p)
end

-- The same for several layers with one query over the period (one pass over the store is much
-- cheaper than one per layer): returns {[layer] = {rows = ..., days = ..., daily = ...}}, daily
-- holding per date with data the sums of the layer's inProm, inMaxProm, outProm, outMaxProm.
function M.layers_rows(layers, p, dates)
	local cs = {}
	for _, layer in ipairs(layers) do cs[layer] = collector() end
	sb.store.summaries{from = p.from, to = p.to, reuse = true, each = function(r)
		local c = cs[r.typeLayer]
		if c ~= nil then collect(c, r, dates) end
	end}
	local out = {}
	for _, layer in ipairs(layers) do
		local rows, days = rows_of(cs[layer], layer, p)
		out[layer] = {rows = rows, days = days, daily = cs[layer].daily}
	end
	return out
end

local function count(t)
	local n = 0
	for _ in pairs(t) do n = n + 1 end
	return n
end

local function fmt_pct(v)
	return (string.format("%g", v):gsub("%.", ","))
end

-- The Resumen sheet of book b. layers: {{layer=, rows=, days=}, ...}; opt:
--   totals = {{key=, title=}, ...}  per-layer sums
--   rank = {key=, title=}           what the top 10 ranks (descending; nil values left out)
--   top = {{key=, title=, kind=}, ...}  the top-10 columns after #, Interfaz, Capa, Tipo
--   info = {{label, value}, ...}    extra lines of the header block
--   notes = {"...", ...}            extra notes
function M.summary(p, layers, dates, opt)
	local amber, red = book.thresholds()
	local total_ifaces, marked, unknown, coarse = 0, 0, 0, 0
	local lcols = {
		{title = "Capa", key = "layer", kind = "text"},
		{title = "Interfaces", key = "interfaces", kind = "integer"},
		{title = "Días con datos", key = "days", kind = "integer"},
		{title = "Con menos días", key = "marked", kind = "integer"},
		{title = "Completitud desconocida", key = "unknown", kind = "integer"},
	}
	for _, t in ipairs(opt.totals) do
		lcols[#lcols + 1] = {title = t.title, key = t.key, kind = "number"}
	end
	local lrows, total = {}, {layer = "Total", interfaces = 0, days = count(dates), marked = 0,
		unknown = 0}
	for _, t in ipairs(opt.totals) do total[t.key] = 0.0 end
	local all = {}
	for _, l in ipairs(layers) do
		local r = {layer = l.layer, interfaces = #l.rows, days = l.days, marked = 0, unknown = 0}
		for _, t in ipairs(opt.totals) do r[t.key] = 0.0 end
		for _, row in ipairs(l.rows) do
			if row.marked then r.marked = r.marked + 1 end
			if row.completeness == nil then r.unknown = r.unknown + 1 end
			if row.resolution ~= nil then coarse = coarse + 1 end
			for _, t in ipairs(opt.totals) do r[t.key] = r[t.key] + (row[t.key] or 0) end
			if row[opt.rank.key] ~= nil then all[#all + 1] = row end
		end
		for _, k in ipairs({"interfaces", "marked", "unknown"}) do total[k] = total[k] + r[k] end
		for _, t in ipairs(opt.totals) do total[t.key] = total[t.key] + r[t.key] end
		lrows[#lrows + 1] = r
	end
	total_ifaces, marked, unknown = total.interfaces, total.marked, total.unknown

	local key = opt.rank.key
	table.sort(all, function(a, b)
		if a[key] ~= b[key] then return a[key] > b[key] end
		if a.layer ~= b.layer then return a.layer < b.layer end
		return a.name < b.name
	end)
	local top = {}
	for i = 1, math.min(10, #all) do
		local row = {pos = i}
		for k, v in pairs(all[i]) do row[k] = v end
		row.marked = nil
		top[i] = row
	end
	local tcols = {
		{title = "#", key = "pos", kind = "integer"},
		{title = "Interfaz", key = "name", kind = "text", max_width = 60},
		{title = "Capa", key = "layer", kind = "text"},
		{title = "Tipo", key = "type", kind = "text"},
		{title = opt.rank.title, key = key, kind = "number"},
	}
	for _, c in ipairs(opt.top) do tcols[#tcols + 1] = c end

	local info = {
		{"Período", p.from .. " a " .. p.to},
		{"Días del período", p.days},
		{"Días con datos", count(dates)},
		{"Interfaces", total_ifaces},
		{"Muestras esperadas por interfaz", p.samples},
		{"Colores de " .. opt.rank.title, string.format("verde < %s, ámbar %s–%s, rojo > %s",
			fmt_pct(amber), fmt_pct(amber), fmt_pct(red), fmt_pct(red))},
	}
	for _, kv in ipairs(opt.info or {}) do info[#info + 1] = kv end
	info[#info + 1] = {"Base de datos", sb.store.backend()}
	info[#info + 1] = {"Generado", os.date("%Y-%m-%d %H:%M")}

	local notes = {
		string.format("Interfaces con menos de %d días con datos: %d (celdas en amarillo).",
			p.days, marked),
		"Completitud = muestras presentes ÷ muestras esperadas del período en hora local " ..
			"(días de cambio de hora incluidos: 276 o 300 muestras).",
	}
	if unknown > 0 then
		notes[#notes + 1] = string.format("Completitud desconocida para %d interfaces: sus " ..
			"resúmenes diarios no guardan el número de muestras (datos anteriores).", unknown)
	end
	if coarse > 0 then
		notes[#notes + 1] = string.format("%d interfaces tienen días resumidos de los " ..
			"consolidados de MRTG (sin muestras de 5 minutos): su Completitud dice la " ..
			"resolución (30 min, 2 h, 1 día). Sus promedios son exactos; sus máximos son los " ..
			"de esos consolidados, no los de 5 minutos.", coarse)
	end
	for _, n in ipairs(opt.notes or {}) do notes[#notes + 1] = n end

	return {
		info = info,
		tables = {
			{title = "Interfaces por capa", columns = lcols, rows = lrows, total = total},
			{title = "Top 10 por " .. opt.rank.title, columns = tcols, rows = top, use = key,
				chart = {title = "Top 10: " .. opt.rank.title, category = "name", value = key,
					axis = opt.rank.title, category_axis = "Interfaz"}},
		},
		notes = notes,
	}
end

-- The daily traffic sheet of a period: per layer, each day's sums over its interfaces (nil on
-- a day without data). by_layer: the result of layers_rows over the layers names, in order.
function M.daily(p, by_layer, names)
	local blue, orange = 0x1F77B4, 0xFF7F0E
	local d = {
		name = "Tráfico diario",
		title = "Tráfico diario por capa, " .. p.from .. " a " .. p.to,
		note = "Cada fila suma los resúmenes diarios de las interfaces de la capa, en Gbps: " ..
			"In Prom y Out Prom, el tráfico promedio del día; In Max Prom y Out Max Prom, " ..
			"los máximos de cada interfaz. Un día sin datos queda vacío.",
		unit = "Gbps",
		columns = {
			{title = "In Prom", key = "inProm", kind = "number", color = blue},
			{title = "In Max Prom", key = "inMaxProm", kind = "number", color = blue,
				dash = "dash"},
			{title = "Out Prom", key = "outProm", kind = "number", color = orange},
			{title = "Out Max Prom", key = "outMaxProm", kind = "number", color = orange,
				dash = "dash"},
		},
		layers = {},
	}
	local days = sb.days_in(p.from, p.to)
	for _, layer in ipairs(names) do
		local rows = {}
		for i, date in ipairs(days) do
			local sums = by_layer[layer].daily[date] or {}
			rows[i] = {date = date, inProm = sums.inProm, inMaxProm = sums.inMaxProm,
				outProm = sums.outProm, outMaxProm = sums.outMaxProm}
		end
		d.layers[#d.layers + 1] = {layer = layer, rows = rows,
			title = layer .. ": suma de sus interfaces por día (Gbps)",
			chart_title = layer .. ": tráfico total por día"}
	end
	return d
end

-- A BBIP report: spec = {period = "diario", title = "Diario", file = "Data_Diario_BBIP"}, and
-- qualifier, said after the title in parentheses ("segunda quincena").
-- Writes the workbook (or csv/json) and returns the book.
function M.run(spec)
	local p = M.period(spec.period)
	local sheets, layers, dates = {}, {}, {}
	local names = M.layers()
	local by_layer = M.layers_rows(names, p, dates)
	for _, layer in ipairs(names) do
		local rows = by_layer[layer].rows
		table.sort(rows, M.by_type_name)
		layers[#layers + 1] = {layer = layer, rows = rows, days = by_layer[layer].days}
		sheets[#sheets + 1] = {name = layer, columns = M.COLUMNS, rows = rows, use = "use",
			marked_keys = M.MARKED}
	end
	local title = "Reporte " .. spec.title .. " BBIP"
	if spec.qualifier then title = title .. " (" .. spec.qualifier .. ")" end
	local b = {file = spec.file, title = title, from = p.from,
		to = p.to, sheets = sheets}
	if p.days > 1 then b.daily = M.daily(p, by_layer, names) end
	b.summary = M.summary(p, layers, dates, {
		totals = {
			{key = "inProm", title = "In Prom"}, {key = "inMaxProm", title = "In Max Prom"},
			{key = "outProm", title = "Out Prom"}, {key = "outMaxProm", title = "Out Max Prom"},
			{key = "capacity", title = "Capacidad"},
		},
		rank = {key = "use", title = "Uso (%)"},
		top = {
			{title = "In Max Prom", key = "inMaxProm", kind = "number"},
			{title = "Out Max Prom", key = "outMaxProm", kind = "number"},
			{title = "Capacidad", key = "capacity", kind = "number"},
		},
	})
	local n = 0
	for _, l in ipairs(layers) do n = n + #l.rows end
	book.write(b)
	sb.log("info", string.format("%s %s..%s: %d interfaces in %d layers", spec.file, p.from, p.to,
		n, #layers))
	return b
end

return M
