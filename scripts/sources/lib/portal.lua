-- portal.lua - what the sources scrapers share: pages fetched with errors that name the URL,
-- selectors written as in docs/portal.md, the name and capacity rules, and the merge rule.
--
-- A layer script describes its vendors and calls portal.run; see borde.lua for the shape.
-- Every failure raises an error (the engine then leaves the layer's file as it was); a missing
-- capacity is not a failure: it is written as 0 and listed for review.

local sb = require("sb")

local M = {}

-- The vendor being scraped ("BORDE HUAWEI"), put in front of every error and log line.
local label = ""

local here = debug.getinfo(1, "S").short_src

-- Raises the error at the line of the layer script that called into this module.
local function fail(fmt, ...)
	local level = 2
	while true do
		local info = debug.getinfo(level + 1, "S")
		if info == nil or (info.short_src ~= here and info.what ~= "C") then
			break
		end
		level = level + 1
	end
	error(label .. ": " .. string.format(fmt, ...), level + 1)
end

function M.log(level, fmt, ...)
	sb.log(level, label .. ": " .. string.format(fmt, ...))
end

---------------------------------------------------------------------------------------------------
-- Pages

-- The parsed page at url. An HTTP error (a 401 included) is an error, never content.
function M.fetch(url, opts)
	local body, err = sb.http.get(url, opts)
	if not body then
		fail("%s", err)
	end
	local doc, perr = sb.html.parse(body, url)
	if not doc then
		fail("%s", perr)
	end
	return doc
end

-- The parsed pages of urls, fetched concurrently, in the same order.
function M.fetch_all(urls, opts)
	local results = sb.http.get_all(urls, opts)
	local docs = {}
	for i, r in ipairs(results) do
		if not r.body then
			fail("%s", r.err)
		end
		local doc, perr = sb.html.parse(r.body, r.url)
		if not doc then
			fail("%s", perr)
		end
		docs[i] = doc
	end
	return docs
end

---------------------------------------------------------------------------------------------------
-- Selectors: "tag", "tag.class" (the class attribute matched as a whole string), "tag#id",
-- "tag[attr]" (has the attribute). They become XPath steps; no regex ever reads the HTML.

local function step(sel)
	local tag, attr = sel:match("^([%w%-]+)%[([%w%-]+)%]$")
	if tag then
		return tag .. "[@" .. attr .. "]"
	end
	local t, kind, value = sel:match("^([%w%-]+)([%.#]?)(.*)$")
	if not t or value:find("'", 1, true) or (kind == "" and value ~= "") then
		error("bad selector '" .. sel .. "'", 3)
	end
	if kind == "." then
		return t .. "[@class='" .. value .. "']"
	elseif kind == "#" then
		return t .. "[@id='" .. value .. "']"
	end
	return t
end

-- Every element under node matching sel, in document order; an error when there is none.
function M.all(node, sel, url)
	local found = node:xpath(".//" .. step(sel))
	if #found == 0 then
		fail("'%s' found nothing on %s", sel, url or "the page")
	end
	return found
end

-- The first element under node matching sel (or, for a list, the chain: the first match of
-- sel[1], then the first match of sel[2] under it, ...); an error naming the step that found
-- nothing.
function M.find(node, sel, url)
	local chain = type(sel) == "table" and sel or { sel }
	for i, s in ipairs(chain) do
		local hit = node:xpath("(.//" .. step(s) .. ")[1]")[1]
		if not hit then
			fail("'%s' found nothing on %s", table.concat(chain, " > ", 1, i), url or "the page")
		end
		node = hit
	end
	return node
end

-- Like find, but nil instead of an error.
function M.try(node, sel)
	local chain = type(sel) == "table" and sel or { sel }
	for _, s in ipairs(chain) do
		node = node:xpath("(.//" .. step(s) .. ")[1]")[1]
		if not node then
			return nil
		end
	end
	return node
end

---------------------------------------------------------------------------------------------------
-- Names

-- Upper-cased, accents stripped to ASCII, blanks squeezed.
function M.plain(text)
	local s = sb.text.strip_accents(sb.text.upper(text))
	return (sb.text.trim(s:gsub("%s+", " ")))
end

-- The name rule: plain text; what follows the first prefix (if it occurs); what precedes the
-- suffix (if it occurs); ';' (the field separator) -> ' ' (blanks squeezed again); trimmed of
-- blanks and trailing '-'.
function M.clean_name(title, prefix, suffix)
	local s = M.plain(title)
	if prefix then
		local _, j = s:find(prefix, 1, true)
		if j then
			s = s:sub(j + 1)
		end
	end
	if suffix then
		local i = s:find(suffix, 1, true)
		if i then
			s = s:sub(1, i - 1)
		end
	end
	s = s:gsub(";", " "):gsub("%s+", " ")
	s = s:gsub("^%s+", ""):gsub("[%s%-]+$", "")
	return s
end

---------------------------------------------------------------------------------------------------
-- Capacities (Gbps)

-- Round half to even.
function M.round_even(x)
	local f = math.floor(x)
	local d = x - f
	if d > 0.5 or (d == 0.5 and f % 2 == 1) then
		f = f + 1
	end
	return f
end

local function number(word)
	local w = word:gsub(",", ".")
	if w:match("^%d+%.?%d*$") or w:match("^%.%d+$") then
		return tonumber(w)
	end
	return nil
end

-- '-', '(', ')' and '\' become spaces, blanks are squeezed.
function M.spaced(name)
	return (sb.text.trim((name:gsub("[%-%(%)\\]", " "):gsub("%s+", " "))))
end

-- The number written just before token ("GE", "GB") in the last word of name that has one
-- ("ENLACE 100GE" -> 100), or nil.
function M.capacity_before(name, token)
	local found
	for _, w in ipairs(sb.text.split(name)) do
		local i = w:find(token, 1, true)
		local digits = i and w:sub(1, i - 1):match("(%d+[%.,]?%d*)$")
		if digits then
			local v = number(digits)
			if v and v > 0 then
				found = v
			end
		end
	end
	return found
end

-- CACHING: the first word containing G whose text without its last character is a non-zero
-- number ("10G" -> 10), or nil.
function M.capacity_g_word(name)
	for _, w in ipairs(sb.text.split(name)) do
		if w:find("G", 1, true) then
			local v = number(w:sub(1, -2))
			if v and v > 0 then
				return v
			end
		end
	end
	return nil
end

-- The capacity text of an interface's graph page: the first span with class "d-block mb-3",
-- the next p after it, the next i after that; nil when the page has no such block.
function M.graph_text(doc)
	local span = doc:xpath("(//span[@class='d-block mb-3'])[1]")[1]
	local p = span and span:next("p")
	local i = p and p:next("i")
	return i and i:text()
end

-- Rule G: the last word of the graph text that is a number (',' as decimal point), rounded
-- half to even; nil when there is none.
function M.rule_g(doc)
	local text = M.graph_text(doc)
	if not text then
		return nil
	end
	local last
	for _, w in ipairs(sb.text.split(text)) do
		last = number(w) or last
	end
	return last and M.round_even(last)
end

-- Rule G' (RAI): after the first ": " of the graph text comes "value unit"; Mb are divided by
-- 1000; then 2..10 -> 10, and a remainder mod 10 of 5 or more rounds up to the next ten.
function M.rule_g_prime(doc)
	local text = M.graph_text(doc)
	if not text then
		return nil
	end
	local _, j = text:find(": ", 1, true)
	if not j then
		return nil
	end
	local words = sb.text.split(text:sub(j + 1))
	local v = words[1] and number(words[1])
	if not v then
		return nil
	end
	if words[2] and words[2]:find("Mb", 1, true) then
		v = v / 1000
	end
	if v >= 2 and v <= 10 then
		v = 10
	elseif v % 10 >= 5 then
		v = v - v % 10 + 10
	end
	return v
end

-- Fills r.capacity from each row's graph page with rule(doc) for the rows of list, fetched
-- concurrently; a page without the capacity block leaves 0 (listed for review).
function M.capacity_from_graphs(list, rule)
	if #list == 0 then
		return
	end
	local urls = {}
	for i, r in ipairs(list) do
		urls[i] = r.url
	end
	local docs = M.fetch_all(urls)
	for i, r in ipairs(list) do
		local c = rule(docs[i])
		if c then
			r.capacity = c
		else
			M.log("warning", "%s: no capacity on its graph page %s; written as 0", r.name, r.url)
		end
	end
end

---------------------------------------------------------------------------------------------------
-- Interfaces

-- A row from a block's title and link node; nil (logged) when the name comes out empty.
function M.row(link, title, prefix, suffix, type_)
	local name = M.clean_name(title, prefix, suffix)
	local url = link:url("href")
	if name == "" then
		M.log("warning", "title '%s' leaves an empty name; skipped", title)
		return nil
	end
	if not url:find("%.html$") then
		M.log("warning", "%s: %s is not an .html graph page", name, url)
	end
	return { url = url, name = name, capacity = 0, type = type_ }
end

-- The interface of a portal block: title li#subtitulo, link li#graficas > a[href].
function M.block_row(block, url, prefix, suffix, type_)
	local title = M.find(block, "li#subtitulo", url):text()
	local link = M.find(block, { "li#graficas", "a[href]" }, url)
	return M.row(link, title, prefix, suffix, type_)
end

---------------------------------------------------------------------------------------------------
-- The merge rule and the run

-- Merge key: type and name, blanks squeezed, so an old file's spacing still matches.
local function key(type_, name)
	return type_ .. "\0" .. M.plain(name)
end

-- Writes layer's sources file from the scraped rows. For the types in refreshed: scraped rows
-- are written with their new URL, a non-zero capacity already in the file wins, new rows are
-- added, rows no longer scraped are dropped and listed. Rows of other types stay as they are.
-- Sorted by type, capacity, name. Returns the report for the command.
function M.merge(layer, rows, refreshed, review_zero)
	local old, comments = sb.sources.read(layer)
	local before = {}
	for _, r in ipairs(old) do
		before[key(r.type, r.name)] = r
	end
	local out, seen = {}, {}
	local rep = { layer = layer, found = 0, added = 0, removed = 0, zero = 0,
		removed_list = {}, zero_list = {} }
	for _, r in ipairs(rows) do
		local k = key(r.type, r.name)
		if seen[k] then
			sb.log("warning", string.format("%s: %s (%s) listed twice on the portal; kept once",
				layer, r.name, r.type))
		else
			seen[k] = true
			rep.found = rep.found + 1
			local o = before[k]
			if o == nil then
				rep.added = rep.added + 1
			elseif o.capacity > 0 then
				r.capacity = o.capacity
			end
			if r.capacity == 0 and review_zero ~= false then
				rep.zero = rep.zero + 1
				rep.zero_list[#rep.zero_list + 1] = r.name .. " (" .. r.type .. ")"
			end
			out[#out + 1] = r
		end
	end
	for _, o in ipairs(old) do
		if not refreshed[o.type] then
			out[#out + 1] = { url = o.url, name = o.name, capacity = o.capacity, type = o.type }
		elseif not seen[key(o.type, o.name)] then
			rep.removed = rep.removed + 1
			rep.removed_list[#rep.removed_list + 1] = o.name .. " (" .. o.type .. ")"
		end
	end
	table.sort(out, function(a, b)
		if a.type ~= b.type then
			return a.type < b.type
		end
		if a.capacity ~= b.capacity then
			return a.capacity < b.capacity
		end
		return a.name < b.name
	end)
	rep.changed = sb.sources.write(layer, out, { header = comments })
	return rep
end

-- Runs a layer: spec = { layer = "BORDE", review_zero = true|false, vendors = { { name =
-- "HUAWEI", setting = "SCAN_URL_BORDE_HUAWEI", scrape = function(url) return rows end }, ... } }.
-- A vendor may give its url directly instead of a setting. Vendors whose setting is unset are
-- left out (their rows untouched); with none set the layer is skipped. A vendor that finds no
-- interface is an error. Returns the report.
function M.run(spec)
	local todo, names = {}, {}
	for _, v in ipairs(spec.vendors) do
		names[#names + 1] = v.setting or v.name
		local url = v.url or sb.setting(v.setting)
		if url and url ~= "" then
			todo[#todo + 1] = { vendor = v, url = url }
		end
	end
	if #todo == 0 then
		return { layer = spec.layer, skipped = "none of " .. table.concat(names, ", ") .. " is set" }
	end
	local rows, refreshed = {}, {}
	for _, t in ipairs(todo) do
		label = spec.layer .. " " .. t.vendor.name
		local got = t.vendor.scrape(t.url)
		if #got == 0 then
			fail("no interfaces found on %s", t.url)
		end
		for _, r in ipairs(got) do
			rows[#rows + 1] = r
			refreshed[r.type] = true
		end
		M.log("info", "%d interfaces on %s", #got, t.url)
	end
	label = spec.layer
	return M.merge(spec.layer, rows, refreshed, spec.review_zero)
end

return M
