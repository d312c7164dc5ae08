-- mediciones.lua - Mediciones de cada prueba del monitor por enlace: media, mínimo y máximo de cada campo numérico de su registro (Mediciones_Enlaces.xlsx; por defecto el período mensual).
--
-- One sheet per test that has records in the period (ping, iperf3, any test a module declares),
-- one row per link: its records, the share of them up (when the record has an up field) and, for
-- each INT or NUMBER field of the record in its order, the mean, the minimum and the maximum of the
-- values the runs wrote (a field left without a value is not counted; a headline value below 0,
-- ping's -1 of an unanswered run, is no value, as on the dashboard). The columns come from the
-- test's declaration (sb.probes.tests()), so a new test needs no change here.
local from, to = sb.report.range("mensual")
if sb.report.format ~= "xlsx" then
	error("mediciones: only --format xlsx is written")
end

local wb <close> = sb.xlsx.workbook(sb.report.output("Mediciones_Enlaces.xlsx"))
wb:set_properties{title = "Mediciones de las pruebas", subject = from .. " a " .. to,
	author = "scanbackup " .. sb.version}
local head = wb:add_format{bold = true, font_color = 0xFFFFFF, bg_color = 0x16365C, border = "thin",
	align = "center", text_wrap = true}
local title = wb:add_format{bold = true, font_size = 13}
local int = wb:add_format{border = "thin", num_format = "0"}
local pct = wb:add_format{border = "thin", num_format = "0.00"}
local blank = wb:add_format{border = "thin"}

-- the number format of a field's values: as many decimals as the record declares (at most 6;
-- none declared: as Excel shows any number), whole numbers for an INT field; its mean with 2
-- decimals at least
local formats = {}
local function number_format(f, mean)
	local d = f.type == "int" and 0 or math.min(f.decimals or 0, 6)
	if mean then
		d = math.max(d, 2)
	elseif f.type ~= "int" and d == 0 then
		d = -1
	end
	if formats[d] == nil then
		formats[d] = wb:add_format{border = "thin", num_format = d > 0 and
			"0." .. string.rep("0", d) or d == 0 and "0" or "General"}
	end
	return formats[d]
end

-- the figures of one test: per link, records, up and each numeric field's count, sum, min, max
local function gather(d, nums)
	local links, order = {}, {}
	sb.probes(d.name, {from = from, to = to, each = function(r)
		local key = r.monitor * 4294967296 + r.link
		local L = links[key]
		if L == nil then
			L = {monitor = r.monitor, link = r.link, records = 0, up = 0, f = {}}
			for i in ipairs(nums) do
				L.f[i] = {n = 0, sum = 0}
			end
			links[key] = L
			order[#order + 1] = L
		end
		L.records = L.records + 1
		local u = d.up and r[d.up]
		if u == true or (type(u) == "number" and u > 0) then
			L.up = L.up + 1
		end
		for i, f in ipairs(nums) do
			local v = r[f.name]
			if type(v) == "number" and not (f.name == d.headline and v < 0) then
				local s = L.f[i]
				s.n, s.sum = s.n + 1, s.sum + v
				s.min = (s.min == nil or v < s.min) and v or s.min
				s.max = (s.max == nil or v > s.max) and v or s.max
			end
		end
	end})
	table.sort(order, function(a, b)
		if a.monitor ~= b.monitor then
			return a.monitor < b.monitor
		end
		return a.link < b.link
	end)
	return order
end

local sheets = 0
for _, d in ipairs(sb.probes.tests()) do
	local nums = {}
	for _, f in ipairs(d.fields) do
		if f.type == "int" or f.type == "number" then
			nums[#nums + 1] = f
		end
	end
	local links = gather(d, nums)
	if #links > 0 then
		sheets = sheets + 1
		local ws = wb:add_worksheet(d.name)
		local cols = {"Enlace", "Monitor", "Registros"}
		if d.up then
			cols[#cols + 1] = "Disponibilidad (%)"
		end
		local first = #cols -- columns before the fields'
		for _, f in ipairs(nums) do
			local unit = (f.unit or "") ~= "" and " (" .. f.unit .. ")" or ""
			cols[#cols + 1] = f.name .. unit .. " media"
			cols[#cols + 1] = f.name .. " mín."
			cols[#cols + 1] = f.name .. " máx."
		end
		ws:write_row(2, 0, cols, head)
		for i, L in ipairs(links) do
			local row, fmts = {L.link, L.monitor, L.records}, {int, int, int}
			if d.up then
				row[4], fmts[4] = 100 * L.up / L.records, pct
			end
			for j, f in ipairs(nums) do
				local s, c = L.f[j], first + 3 * (j - 1)
				if s.n > 0 then
					row[c + 1], row[c + 2], row[c + 3] = s.sum / s.n, s.min, s.max
					local fmt = number_format(f)
					fmts[c + 1], fmts[c + 2], fmts[c + 3] = number_format(f, true), fmt, fmt
				else
					fmts[c + 1], fmts[c + 2], fmts[c + 3] = blank, blank, blank
				end
			end
			ws:write_row(2 + i, 0, row, fmts, #cols)
		end
		ws:autofit{min = 8, max = 22}
		ws:write_title(0, 0, string.format("Prueba %s (%s) por enlace del %s al %s", d.name,
			d.table, from, to), title)
		ws:freeze_panes(3, 1)
	end
end
if sheets == 0 then
	local ws = wb:add_worksheet("Mediciones")
	ws:write_title(0, 0, string.format("Sin registros de pruebas del %s al %s.", from, to), title)
end
wb:close()
