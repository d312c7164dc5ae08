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
--                  chart = {title = "...", category = key, value = key, axis = "...",
--                           category_axis = "..."} or nil}, ...},
--       notes = {"...", ...},
--     },
--     daily = {                             -- a sheet of daily sums per layer, xlsx only
--       name = "Tráfico diario", title = "...", note = "...", unit = "Gbps",
--       columns = {{title = "In Prom", key = "inProm", kind = "number", color = 0x1F77B4,
--                   dash = "dash" or nil}, ...},
--       layers = {{layer = "BORDE", title = "...", chart_title = "...",
--                  rows = {{date = "2026-11-01", inProm = ...}, ...}}, ...},
--     },                                    -- (optional: periods of more than one day)
--     sheets = {{                           -- one sheet per table, in order
--       name = "BORDE",
--       columns = {{title = "Interfaz", key = "name", kind = "text", min_width = 40,
--                   max_width = 60}, ...},
--       rows = {{name = ..., inProm = ..., marked = true}, ...},
--       use = "use",                        -- key of the column with the use colour rules
--       marked_keys = {name = true, days = true},  -- cells filled on rows with marked = true
--       notes = {"...", ...},               -- lines under the table (xlsx only)
--     }, ...},
--   }
--
-- Column kinds: "text", "number" (format 0.00), "integer" (format 0). A nil value is an empty
-- cell (null in JSON); a column may name a text to show instead in the workbook (missing = "...").
-- Widths come from the content (docs/lua-api.md, "The BBIP reports"); min_width and max_width
-- bound a column's, width fixes it.
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

-- Layout rules: widths in Excel column units (sb.xlsx.text_width), heights in points.
local MIN_WIDTH = 8       -- the narrowest column
local TEXT_MAX = 40       -- a text column wider than this wraps its long values
local HEADER_SLACK = 2.5  -- a header this much wider than its column widens it to one line
local GAP = 2             -- the empty column between a table and its chart

local function formats(wb)
	local border = {border = "thin", border_color = 0x000000, valign = "vcenter"}
	local function with(extra)
		local p = {}
		for k, v in pairs(border) do p[k] = v end
		for k, v in pairs(extra) do p[k] = v end
		return wb:add_format(p)
	end
	local f = {
		header = with{bold = true, font_color = 0xFFFFFF, bg_color = M.HEADER_BG,
			align = "center", text_wrap = true},
		text = with{text_wrap = true},
		number = with{num_format = "0.00"},
		integer = with{num_format = "0"},
		mtext = with{bg_color = M.MARK_BG, text_wrap = true},
		mnumber = with{num_format = "0.00", bg_color = M.MARK_BG},
		minteger = with{num_format = "0", bg_color = M.MARK_BG},
		total_text = with{bold = true, text_wrap = true},
		total_number = with{bold = true, num_format = "0.00"},
		total_integer = with{bold = true, num_format = "0"},
		date = with{align = "center"},
		title = wb:add_format{bold = true, font_size = 14, valign = "vcenter"},
		label = wb:add_format{bold = true, valign = "top"},
		info = wb:add_format{text_wrap = true, valign = "top", align = "left"},
		plain_number = wb:add_format{num_format = "0.00", align = "left", valign = "top"},
		plain_integer = wb:add_format{num_format = "0", align = "left", valign = "top"},
		note = wb:add_format{italic = true, text_wrap = true, valign = "top"},
		green = wb:add_format{bg_color = M.GREEN.bg, font_color = M.GREEN.font},
		amber = wb:add_format{bg_color = M.AMBER.bg, font_color = M.AMBER.font},
		red = wb:add_format{bg_color = M.RED.bg, font_color = M.RED.font},
	}
	return f
end

-- What a cell of column c shows for value v, and whether it is text.
local function shown(c, v)
	if v == nil then return c.missing or "", true end
	if type(v) ~= "number" then return tostring(v), true end
	if (c.kind or "text") == "integer" then return string.format("%.0f", v), false end
	if c.kind == "number" then return string.format("%.2f", v), false end
	return tostring(v), false
end

-- The widest word of a text (where a wrapped header may break).
local function widest_word(s, font)
	local w = 0
	for word in s:gmatch("%S+") do w = math.max(w, sb.xlsx.text_width(word, font)) end
	return w
end

local BOLD = {bold = true}

-- Widths of columns from their content: the widest value (bold on total rows), at least the
-- widest word of the header and MIN_WIDTH (or c.min_width), text columns at most TEXT_MAX (or
-- c.max_width: longer values wrap); a header a little wider than its column widens it to fit
-- on one line. c.width fixes a column's width.
local function fit_columns(columns, rows)
	local widths = {}
	for i, c in ipairs(columns) do
		local w, text = 0, false
		for _, row in ipairs(rows) do
			local s, is_text = shown(c, row[c.key])
			text = text or is_text
			w = math.max(w, sb.xlsx.text_width(s, row.total and BOLD or nil))
		end
		if (c.kind or "text") == "text" or text then
			w = math.min(w, c.max_width or TEXT_MAX)
		end
		local word = widest_word(c.title, BOLD)
		w = math.max(w, word, c.min_width or MIN_WIDTH)
		local full = sb.xlsx.text_width(c.title, BOLD)
		if full <= w + HEADER_SLACK then w = math.max(w, full) end
		while w < full and sb.xlsx.text_lines(c.title, w, BOLD) > 2 do w = w + 0.5 end
		widths[i] = c.width or w
	end
	return widths
end

-- Row height (points) that shows texts[i] wrapped in widths[i]; nil when one line does.
local function height_of(texts, widths, font)
	local lines, height = 1, nil
	for i, s in pairs(texts) do
		local n, h = sb.xlsx.text_lines(s, widths[i], font)
		if n > lines then lines, height = n, h end
	end
	return height
end

-- The texts of a data row's text cells, by column position (for height_of): a number is never
-- one, so it is not formatted.
local function row_texts(columns, row)
	local t = {}
	for i, c in ipairs(columns) do
		local v = row[c.key]
		if type(v) ~= "number" then t[i] = shown(c, v) end
	end
	return t
end

-- A placement of logical columns on physical ones: place[i] = {col =, span =}. The default puts
-- column i in physical column i - 1.
local function plain_place(n)
	local p = {}
	for i = 1, n do p[i] = {col = i - 1, span = 1} end
	return p
end

-- The width of a placed column: the sum of its physical columns.
local function placed_width(grid, pl)
	local w = 0
	for c = pl.col, pl.col + pl.span - 1 do w = w + grid[c + 1] end
	return w
end

-- Writes value v (format f) into the placed cell pl of row r: merged over its span.
local function put(ws, r, pl, v, f)
	if pl.span > 1 then
		ws:merge_range(r, pl.col, r, pl.col + pl.span - 1, v, f)
	elseif v == nil then
		ws:write_blank(r, pl.col, f)
	else
		ws:write(r, pl.col, v, f)
	end
end

local function header(ws, row, columns, f, place, height)
	if height then ws:set_row(row, height) end
	for i, c in ipairs(columns) do put(ws, row, place[i], c.title, f.header) end
end

-- Writes one data row; prefix selects the formats ("" plain, "m" marked, "total_" totals).
local function data_row(ws, r, columns, row, f, marked_keys, place, height)
	if height then ws:set_row(r, height) end
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
		put(ws, r, place[i], v, f[prefix .. kind])
	end
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
		if c.key == key then return i end
	end
	return nil
end

-- Puts logical columns of the given widths on the grid of physical column widths, from the
-- left: each takes physical columns until it has its width; past the grid's right end new
-- columns are added (or the last one taken is widened). Returns the placement.
local function grid_place(grid, needs)
	local place, pos = {}, 0
	for i, need in ipairs(needs) do
		local start, have = pos, 0
		while have < need do
			if have > 0 and (grid[pos + 1] == nil or need - have <= 1.5) then
				grid[pos] = grid[pos] + (need - have) -- widen the last one taken
				break
			end
			grid[pos + 1] = grid[pos + 1] or need
			have = have + grid[pos + 1]
			pos = pos + 1
		end
		if pos == start then -- a zero width still takes a column
			grid[pos + 1] = grid[pos + 1] or MIN_WIDTH
			pos = pos + 1
		end
		place[i] = {col = start, span = pos - start}
	end
	return place
end

-- Points to pixels, for chart sizes (96 dpi).
local function px(points) return math.floor(points * 4 / 3 + 0.5) end

-- Writes text over the whole width of the grid from row r (merged when the grid has several
-- columns), wrapped, with the height it needs. Returns the next row.
local function full_line(ws, r, text, f, grid, font)
	local w = 0
	for _, x in ipairs(grid) do w = w + x end
	local _, h = sb.xlsx.text_lines(text, w, font)
	ws:set_row(r, h)
	if #grid > 1 then
		ws:merge_range(r, 0, r, #grid - 1, text, f)
	else
		ws:write_string(r, 0, text, f)
	end
	return r + 1, h
end

local function write_summary(wb, ws, b, f)
	local s = b.summary
	local tables = s.tables or {}
	-- the columns: the first table sets the grid, the others are placed on it (a wide column
	-- spans several narrow ones), the header block's labels too
	local grid, layouts = {}, {}
	for i, t in ipairs(tables) do
		local rows = {}
		for _, row in ipairs(t.rows) do rows[#rows + 1] = row end
		if t.total then
			local total = {total = true}
			for k, v in pairs(t.total) do total[k] = v end
			rows[#rows + 1] = total
		end
		local widths = fit_columns(t.columns, rows)
		layouts[i] = {rows = rows, widths = widths, place = grid_place(grid, widths)}
	end
	local label_w = MIN_WIDTH
	for _, kv in ipairs(s.info or {}) do
		label_w = math.max(label_w, sb.xlsx.text_width(kv[1], BOLD))
	end
	local label = grid_place(grid, {label_w})[1]
	if label.col + label.span >= #grid then grid[#grid + 1] = TEXT_MAX end
	-- a chart goes to the right of the first table, beside the header block: the values of
	-- the block stop where the first table does
	local has_chart = false
	for _, t in ipairs(tables) do has_chart = has_chart or (t.chart ~= nil and #t.rows > 0) end
	local first_cols = #grid
	if layouts[1] then
		local pl = layouts[1].place[#layouts[1].place]
		first_cols = pl.col + pl.span
	end
	local value_end = has_chart and math.max(first_cols, label.col + label.span + 1) or #grid
	local value = {col = label.col + label.span, span = value_end - label.col - label.span}
	for c, w in ipairs(grid) do ws:set_column(c - 1, c - 1, w) end
	ws:fit_to_pages(1, 1)

	local r = full_line(ws, 0, b.title, f.title, grid, {bold = true, size = 14}) + 1
	local value_w = placed_width(grid, value)
	local chart_top, charts, points = r, {}, 0 -- points: the height of the rows beside the chart
	for _, kv in ipairs(s.info or {}) do
		local v, fmt = kv[2], f.info
		if type(v) == "number" then
			fmt = math.type(v) == "integer" and f.plain_integer or f.plain_number
		elseif v ~= nil then
			v = tostring(v)
			local _, h = sb.xlsx.text_lines(v, value_w)
			if h > 15 then ws:set_row(r, h) end
			points = points + h - 15
		end
		put(ws, r, label, kv[1], f.label)
		put(ws, r, value, v, fmt)
		points = points + 15
		r = r + 1
	end
	for i, t in ipairs(tables) do
		local lay = layouts[i]
		r = r + 1
		local beside = i == 1 -- rows of the first table are beside the chart
		ws:write_string(r, 0, t.title, f.label)
		r = r + 1
		local hw = {}
		for j, pl in ipairs(lay.place) do hw[j] = placed_width(grid, pl) end
		local titles = {}
		for j, c in ipairs(t.columns) do titles[j] = c.title end
		local hh = height_of(titles, hw, BOLD)
		header(ws, r, t.columns, f, lay.place, hh)
		if beside then points = points + 30 + (hh or 15) end -- the gap, the title, the header
		r = r + 1
		local first = r
		for _, row in ipairs(lay.rows) do
			local h = height_of(row_texts(t.columns, row), hw, row.total and BOLD or nil)
			data_row(ws, r, t.columns, row, f, nil, lay.place, h)
			if beside then points = points + (h or 15) end
			r = r + 1
		end
		local last = first + #t.rows - 1
		if t.use then
			M.use_rules(ws, first, last, lay.place[column_of(t.columns, t.use)].col, f)
		end
		if t.chart and last >= first then
			local cat = lay.place[column_of(t.columns, t.chart.category)].col
			local val = lay.place[column_of(t.columns, t.chart.value)].col
			local ch = wb:add_chart("bar")
			ch:add_series{name = t.chart.title, color = 0x4F81BD,
				categories = {ws:name(), first, cat, last, cat},
				values = {ws:name(), first, val, last, val}}
			ch:set_title(t.chart.title)
			ch:set_legend("none")
			-- the first of the ranking on top, the value axis at the bottom, from 0
			ch:set_category_axis{reverse = true, crossing = "max", font_size = 9,
				name = t.chart.category_axis}
			ch:set_value_axis{name = t.chart.axis or t.chart.title, min = 0,
				major_gridlines = true, num_format = "0"}
			charts[#charts + 1] = ch
		end
	end
	-- the charts at the top right: from the header block down to the first table's last row,
	-- above the wider tables that follow
	local height = math.max(240, px(points) - 4) // math.max(1, #charts)
	for i, ch in ipairs(charts) do
		ws:insert_chart(chart_top, first_cols, ch, {width = 520, height = height,
			x_offset = 12, y_offset = (i - 1) * height})
	end
	if s.notes and #s.notes > 0 then
		r = r + 1
		for _, n in ipairs(s.notes) do r = full_line(ws, r, n, f.note, grid, {}) end
	end
end

local function write_sheet(ws, sh, f)
	local widths = fit_columns(sh.columns, sh.rows)
	for i, w in ipairs(widths) do ws:set_column(i - 1, i - 1, w) end
	local place = plain_place(#sh.columns)
	local titles = {}
	for i, c in ipairs(sh.columns) do titles[i] = c.title end
	header(ws, 0, sh.columns, f, place, height_of(titles, widths, BOLD))
	ws:freeze_panes(1, 0)
	for i, row in ipairs(sh.rows) do
		data_row(ws, i, sh.columns, row, f, sh.marked_keys, place,
			height_of(row_texts(sh.columns, row), widths))
	end
	if sh.use then
		M.use_rules(ws, 1, #sh.rows, column_of(sh.columns, sh.use) - 1, f)
	end
	if sh.notes then
		local r = #sh.rows + 2
		for _, n in ipairs(sh.notes) do r = full_line(ws, r, n, f.note, widths, {}) end
	end
end

-- The spreadsheet serial number of an ISO date (days since 1899-12-30).
local function serial(date)
	local y, m, d = date:match("^(%d+)-(%d+)-(%d+)$")
	y, m, d = tonumber(y), tonumber(m), tonumber(d)
	if m <= 2 then y = y - 1 end
	local era = y // 400
	local yoe = y - era * 400
	local doy = (153 * (m + (m > 2 and -3 or 9)) + 2) // 5 + d - 1
	local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
	return era * 146097 + doe - 719468 + 25569
end

-- The height (points) of a printed landscape page's rows: A4 (the shorter of A4 and Letter)
-- with Excel's default margins, less a little for renderers that round up.
local PAGE_POINTS = 470

-- The daily totals sheet: per layer, on a page of its own, a table of the period's days (sums
-- over the layer's interfaces) with a line chart of it beside the table. A table longer than a
-- page at 15 points a row uses a smaller font, up to 40 days; longer periods run over pages.
local function write_daily(wb, ws, d, f)
	local columns = {{title = "Fecha", key = "date", kind = "date"}}
	for _, c in ipairs(d.columns) do columns[#columns + 1] = c end
	local all = {}
	for _, l in ipairs(d.layers) do
		for _, row in ipairs(l.rows) do all[#all + 1] = row end
	end
	local widths = fit_columns(columns, all)
	local chart_w = 620
	local grid = {}
	for i, w in ipairs(widths) do grid[i] = w end
	grid[#grid + 1] = GAP
	grid[#grid + 1] = (chart_w - 5) / 7 -- the chart's column: as wide as the chart
	for i, w in ipairs(grid) do ws:set_column(i - 1, i - 1, w) end
	local titles = {}
	for i, c in ipairs(columns) do titles[i] = c.title end
	local hh = height_of(titles, widths, BOLD) or 15
	local place = plain_place(#columns)
	local border = {border = "thin", border_color = 0x000000, valign = "vcenter"}
	local function fmt(extra)
		for k, v in pairs(border) do extra[k] = v end
		return wb:add_format(extra)
	end
	local r, h1 = full_line(ws, 0, d.title, f.title, grid, {bold = true, size = 14})
	local top_pts = h1
	if d.note then
		local h2
		r, h2 = full_line(ws, r, d.note, f.note, grid, {})
		top_pts = top_pts + h2
	end
	local ndays = #(d.layers[1] and d.layers[1].rows or {})
	local row_h, size = 15, nil
	if top_pts + 30 + hh + ndays * 15 > PAGE_POINTS and ndays <= 40 then
		row_h, size = 11.25, 8
	end
	local date_fmt = fmt{num_format = "yyyy-mm-dd", align = "center", font_size = size}
	local num_fmt = fmt{num_format = "0.00", font_size = size}
	local breaks = {}
	for k, l in ipairs(d.layers) do
		if k > 1 then breaks[#breaks + 1] = r end
		r = r + 1
		local top = r
		ws:write_string(r, 0, l.title, f.label)
		r = r + 1
		header(ws, r, columns, f, place, hh)
		r = r + 1
		local first = r
		for _, row in ipairs(l.rows) do
			if size then ws:set_row(r, row_h) end
			ws:write_number(r, 0, serial(row.date), date_fmt)
			for i = 2, #columns do put(ws, r, place[i], row[columns[i].key], num_fmt) end
			r = r + 1
		end
		local last = r - 1
		local ch = wb:add_chart("line")
		for i = 2, #columns do
			local c = columns[i]
			ch:add_series{name = c.title, categories = {ws:name(), first, 0, last, 0},
				values = {ws:name(), first, i - 1, last, i - 1},
				color = c.color, dash = c.dash, width = 1.5, marker = "circle",
				marker_size = 4}
		end
		ch:set_title(l.chart_title)
		ch:set_legend("bottom")
		ch:set_category_axis{name = "Fecha", num_format = "dd/mm", font_size = 8}
		ch:set_value_axis{name = d.unit, min = 0, major_gridlines = true}
		local block = 15 + hh + #l.rows * row_h
		local chart_h = math.max(330, math.min(block, PAGE_POINTS - 30)) -- within a page
		ws:insert_chart(top, #columns + 1, ch, {width = chart_w, height = px(chart_h)})
		r = r + math.ceil((chart_h - block) / 15) -- the next block starts below the chart
	end
	if #breaks > 0 then ws:set_page_breaks(breaks) end
end

local function write_xlsx(b, path)
	local wb <close> = sb.xlsx.workbook(path, {constant_memory = true})
	wb:set_properties{title = b.title, subject = b.from .. " a " .. b.to,
		author = "scanbackup " .. sb.version}
	local f = formats(wb)
	if b.summary then
		local ws = wb:add_worksheet("Resumen")
		write_summary(wb, ws, b, f)
		ws:activate()
	end
	if b.daily then
		write_daily(wb, wb:add_worksheet(b.daily.name), b.daily, f)
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
