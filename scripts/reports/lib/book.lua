-- book.lua - writes a report's tables as an Excel workbook (BBIP styles), a CSV or a JSON file.
--
-- A report builds a "book" (plain tables, below) and hands it to book.write, which writes it in
-- the format asked with --format (sb.report.format) under the output folder:
--
--   {
--     file = "Data_Diario_BBIP",            -- file name without extension
--     title = "Reporte Diario BBIP",
--     from = "2026-11-20", to = "2026-11-20",
--     summary = {                           -- the "Resumen" sheet (first), xlsx and json only
--       info = {{"Período", "2026-11-20 a 2026-11-20"}, {"Días del período", 1}, ...},
--       tables = {{title = "...", columns = COLUMNS, rows = {...}, total = row or nil,
--                  chart = {title = "...", category = key, value = key} or nil}, ...},
--       notes = {"...", ...},
--     },
--     sheets = {{                           -- one sheet per table, in order
--       name = "BORDE",
--       columns = {{title = "Interfaz", key = "name", kind = "text", width = 45}, ...},
--       rows = {{name = ..., inProm = ..., marked = true}, ...},
--       use = "use",                        -- key of the column with the use colour rules
--       marked_keys = {name = true, days = true},  -- cells filled on rows with marked = true
--       notes = {"...", ...},               -- lines under the table (xlsx only)
--     }, ...},
--   }
--
-- Column kinds: "text", "number" (format 0.00), "integer" (format 0). A nil value is an empty
-- cell (null in JSON); a column may name a text to show instead in the workbook (missing = "...").
-- CSV: one file, every sheet's rows under one header, the sheet name first: all sheets must have
-- the same columns. JSON: {report, title, from, to, generated, summary, sheets}, rows keyed by
-- column key.

local M = {}

M.HEADER_BG = 0x16365C
M.MARK_BG = 0xFFF2CC
M.GREEN = {bg = 0xC6EFCE, font = 0x006100}
M.AMBER = {bg = 0xFFEB9C, font = 0x9C5700}
M.RED = {bg = 0xFFC7CE, font = 0x9C0006}

-- The use thresholds (settings USE_AMBER, USE_RED).
function M.thresholds()
	return sb.setting("USE_AMBER") or 50, sb.setting("USE_RED") or 80
end

-- ---- xlsx ----

local function formats(wb)
	local border = {border = "thin", border_color = 0x000000}
	local function with(extra)
		local p = {}
		for k, v in pairs(border) do p[k] = v end
		for k, v in pairs(extra) do p[k] = v end
		return wb:add_format(p)
	end
	local f = {
		header = with{bold = true, font_color = 0xFFFFFF, bg_color = M.HEADER_BG,
			align = "center", valign = "vcenter", text_wrap = true},
		text = with{},
		number = with{num_format = "0.00"},
		integer = with{num_format = "0"},
		mtext = with{bg_color = M.MARK_BG},
		mnumber = with{num_format = "0.00", bg_color = M.MARK_BG},
		minteger = with{num_format = "0", bg_color = M.MARK_BG},
		total_text = with{bold = true},
		total_number = with{bold = true, num_format = "0.00"},
		total_integer = with{bold = true, num_format = "0"},
		title = wb:add_format{bold = true, font_size = 14},
		label = wb:add_format{bold = true},
		plain_number = wb:add_format{num_format = "0.00"},
		note = wb:add_format{italic = true},
		green = wb:add_format{bg_color = M.GREEN.bg, font_color = M.GREEN.font},
		amber = wb:add_format{bg_color = M.AMBER.bg, font_color = M.AMBER.font},
		red = wb:add_format{bg_color = M.RED.bg, font_color = M.RED.font},
	}
	return f
end

-- Widths: the given one, else 45 for the first column, 14 for the others.
local function set_widths(ws, columns)
	for i, c in ipairs(columns) do
		ws:set_column(i - 1, i - 1, c.width or (i == 1 and 45 or 14))
	end
end

local function header(ws, row, columns, f)
	local titles = {}
	for i, c in ipairs(columns) do titles[i] = c.title end
	ws:write_row(row, 0, titles, f.header)
end

-- Writes one data row; prefix selects the formats ("" plain, "m" marked, "total_" totals).
local function data_row(ws, r, columns, row, f, marked_keys)
	local values, fmts = {n = #columns}, {}
	for i, c in ipairs(columns) do
		local v = row[c.key]
		local kind = c.kind or "text"
		if v == nil and c.missing ~= nil then
			v, kind = c.missing, "text"
		elseif type(v) == "string" then
			kind = "text"
		end
		local prefix = ""
		if row.total then
			prefix = "total_"
		elseif row.marked and marked_keys and marked_keys[c.key] then
			prefix = "m"
		end
		values[i], fmts[i] = v, f[prefix .. kind]
	end
	ws:write_row(r, 0, values, fmts, #columns)
end

-- The use colour rules over rows first..last of column col: green below USE_AMBER, amber from
-- USE_AMBER to USE_RED, red above USE_RED; empty cells (no capacity) stay uncoloured.
function M.use_rules(ws, first, last, col, f)
	if last < first then return end
	local amber, red = M.thresholds()
	ws:conditional_format(first, col, last, col, {type = "blanks", stop_if_true = true})
	ws:conditional_format(first, col, last, col,
		{type = "cell", criteria = "<", value = amber, format = f.green})
	ws:conditional_format(first, col, last, col,
		{type = "cell", criteria = "between", min_value = amber, max_value = red,
		 format = f.amber})
	ws:conditional_format(first, col, last, col,
		{type = "cell", criteria = ">", value = red, format = f.red})
end

local function column_of(columns, key)
	for i, c in ipairs(columns) do
		if c.key == key then return i - 1 end
	end
	return nil
end

local function write_summary(wb, ws, b, f)
	local s = b.summary
	ws:set_column(0, 0, 34)
	ws:set_column(1, 12, 14)
	local r = 0
	ws:write_string(r, 0, b.title, f.title)
	r = r + 2
	for _, kv in ipairs(s.info or {}) do
		ws:write_string(r, 0, kv[1], f.label)
		local v = kv[2]
		if type(v) == "number" then
			local fmt = nil
			if math.type(v) ~= "integer" then fmt = f.plain_number end
			ws:write_number(r, 1, v, fmt)
		elseif v ~= nil then
			ws:write_string(r, 1, tostring(v))
		end
		r = r + 1
	end
	for _, t in ipairs(s.tables or {}) do
		r = r + 1
		ws:write_string(r, 0, t.title, f.label)
		local title_row = r
		r = r + 1
		header(ws, r, t.columns, f)
		r = r + 1
		local first = r
		for _, row in ipairs(t.rows) do
			data_row(ws, r, t.columns, row, f)
			r = r + 1
		end
		local last = r - 1
		if t.use then
			M.use_rules(ws, first, last, column_of(t.columns, t.use), f)
		end
		if t.total then
			local total = {total = true}
			for k, v in pairs(t.total) do total[k] = v end
			data_row(ws, r, t.columns, total, f)
			r = r + 1
		end
		if t.chart and last >= first then
			local ch = wb:add_chart("bar")
			local cat = column_of(t.columns, t.chart.category)
			local val = column_of(t.columns, t.chart.value)
			ch:add_series{name = t.chart.title,
				categories = {ws:name(), first, cat, last, cat},
				values = {ws:name(), first, val, last, val}}
			ch:set_title(t.chart.title)
			ch:set_legend("none")
			-- a bar chart's x axis is its vertical category axis: reversed, the first on top
			ch:set_x_axis{reverse = true}
			ch:set_y_axis{name = t.chart.axis or t.chart.title}
			ws:insert_chart(title_row, #t.columns + 1, ch, {x_scale = 1.4, y_scale = 1.2})
		end
	end
	if s.notes and #s.notes > 0 then
		r = r + 1
		for _, n in ipairs(s.notes) do
			ws:write_string(r, 0, n, f.note)
			r = r + 1
		end
	end
end

local function write_sheet(ws, sh, f)
	set_widths(ws, sh.columns)
	header(ws, 0, sh.columns, f)
	ws:freeze_panes(1, 0)
	for i, row in ipairs(sh.rows) do
		data_row(ws, i, sh.columns, row, f, sh.marked_keys)
	end
	if sh.use then
		M.use_rules(ws, 1, #sh.rows, column_of(sh.columns, sh.use), f)
	end
	if sh.notes then
		local r = #sh.rows + 2
		for _, n in ipairs(sh.notes) do
			ws:write_string(r, 0, n, f.note)
			r = r + 1
		end
	end
end

local function write_xlsx(b, path)
	local wb <close> = sb.xlsx.workbook(path, {constant_memory = true})
	wb:set_properties{title = b.title, subject = b.from .. " a " .. b.to,
		author = "scanbackup " .. sb.version}
	local f = formats(wb)
	if b.summary then
		write_summary(wb, wb:add_worksheet("Resumen"), b, f)
	end
	for _, sh in ipairs(b.sheets) do
		write_sheet(wb:add_worksheet(sh.name), sh, f)
	end
	return wb:close()
end

-- ---- csv ----

-- A number as text that reads back to the same double.
local function num(v)
	if math.type(v) == "integer" then return string.format("%d", v) end
	if v ~= v or v == math.huge or v == -math.huge then return nil end
	local s = string.format("%.15g", v)
	if tonumber(s) ~= v then s = string.format("%.17g", v) end
	return s
end

local function csv_field(v)
	if v == nil then return "" end
	local s = type(v) == "number" and (num(v) or "") or tostring(v)
	if s:find('[,"\r\n]') then s = '"' .. s:gsub('"', '""') .. '"' end
	return s
end

local function write_csv(b, path)
	local f <close> = sb.output_file(path)
	local columns = b.sheets[1] and b.sheets[1].columns or {}
	local line = {"Hoja"}
	for _, c in ipairs(columns) do line[#line + 1] = csv_field(c.title) end
	f:write(table.concat(line, ","), "\r\n")
	for _, sh in ipairs(b.sheets) do
		assert(#sh.columns == #columns, "csv: sheet " .. sh.name .. " has other columns")
		for i, c in ipairs(sh.columns) do
			assert(c.key == columns[i].key, "csv: sheet " .. sh.name .. " has other columns")
		end
		for _, row in ipairs(sh.rows) do
			line = {csv_field(sh.name)}
			for _, c in ipairs(columns) do line[#line + 1] = csv_field(row[c.key]) end
			f:write(table.concat(line, ","), "\r\n")
		end
	end
	return f:close()
end

-- ---- json ----

local escapes = {['"'] = '\\"', ['\\'] = '\\\\', ['\b'] = '\\b', ['\f'] = '\\f',
	['\n'] = '\\n', ['\r'] = '\\r', ['\t'] = '\\t'}

local function jstr(s)
	return '"' .. s:gsub('[%c"\\]', function(c)
		return escapes[c] or string.format("\\u%04x", c:byte())
	end) .. '"'
end

local function jval(v)
	local t = type(v)
	if t == "nil" then return "null" end
	if t == "boolean" then return tostring(v) end
	if t == "number" then return num(v) or "null" end
	return jstr(tostring(v))
end

-- An object of the given keys in order.
local function jobj(keys, get)
	local parts = {}
	for _, k in ipairs(keys) do parts[#parts + 1] = jstr(k) .. ":" .. get(k) end
	return "{" .. table.concat(parts, ",") .. "}"
end

local function jtable(columns, rows)
	local keys, cols = {}, {}
	for i, c in ipairs(columns) do
		keys[i] = c.key
		cols[i] = jobj({"key", "title"}, function(k) return jval(c[k]) end)
	end
	local out = {}
	for i, row in ipairs(rows) do
		out[i] = jobj(keys, function(k) return jval(row[k]) end)
	end
	return "[" .. table.concat(cols, ",") .. "]", "[" .. table.concat(out, ",\n") .. "]"
end

local function write_json(b, path)
	local f <close> = sb.output_file(path)
	f:write("{", jstr("report"), ":", jval(sb.report.name), ",", jstr("title"), ":", jval(b.title),
		",", jstr("from"), ":", jval(b.from), ",", jstr("to"), ":", jval(b.to), ",",
		jstr("generated"), ":", jval(os.date("%Y-%m-%dT%H:%M:%S")), ",\n")
	if b.summary then
		local info = {}
		for _, kv in ipairs(b.summary.info or {}) do
			info[#info + 1] = jstr(kv[1]) .. ":" .. jval(kv[2])
		end
		local tables = {}
		for _, t in ipairs(b.summary.tables or {}) do
			local cols, rows = jtable(t.columns, t.rows)
			local total = "null"
			if t.total then
				total = select(2, jtable(t.columns, {t.total})):sub(2, -2)
			end
			tables[#tables + 1] = "{" .. jstr("title") .. ":" .. jstr(t.title) .. "," ..
				jstr("columns") .. ":" .. cols .. "," .. jstr("rows") .. ":" .. rows .. "," ..
				jstr("total") .. ":" .. total .. "}"
		end
		f:write(jstr("summary"), ":{", jstr("info"), ":{", table.concat(info, ","), "},",
			jstr("tables"), ":[", table.concat(tables, ",\n"), "]},\n")
	end
	local sheets = {}
	for _, sh in ipairs(b.sheets) do
		local cols, rows = jtable(sh.columns, sh.rows)
		sheets[#sheets + 1] = "{" .. jstr("name") .. ":" .. jstr(sh.name) .. "," ..
			jstr("columns") .. ":" .. cols .. "," .. jstr("rows") .. ":" .. rows .. "}"
	end
	f:write(jstr("sheets"), ":[", table.concat(sheets, ",\n"), "]}\n")
	return f:close()
end

-- Writes b in the format of this run (sb.report.format) to the output folder; returns the path.
function M.write(b)
	local fmt = sb.report.format
	local path = sb.report.output(b.file .. "." .. fmt)
	if fmt == "csv" then return write_csv(b, path) end
	if fmt == "json" then return write_json(b, path) end
	return write_xlsx(b, path)
end

return M
