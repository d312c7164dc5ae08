-- bras.lua - sources/SCAN/BRAS from the SCAN portal: uplinks and downlinks of every BRAS.
--
-- The main page's side menu has the entries "UPLINK POR BRAS" and "DOWNLINK POR BRAS", each
-- holding one link per BRAS page; the entry gives the type. On a BRAS page, section.content holds
-- one div.col-sm-12 per interface after a first header block. Capacity: the "GB" word of the name,
-- else 0 (never guessed). Rules: docs/portal.md; helpers: lib/portal.lua.

local portal = require("portal")

local MENU = { "div.sidebar", "nav", "ul.nav nav-pills nav-sidebar flex-column", "li.nav-item menu",
	"ul.nav nav-treeview" }
local ENTRIES = { ["UPLINK POR BRAS"] = "UPLINK", ["DOWNLINK POR BRAS"] = "DOWNLINK" }

-- The BRAS pages of the menu: { {url =, type =}, ... }.
local function bras_pages(url)
	local doc = portal.fetch(url)
	local menu = portal.find(doc, MENU, url)
	local pages, seen = {}, {}
	for _, item in ipairs(portal.all(menu, "li.nav-item", url)) do
		local p = portal.try(item, "p")
		local type_ = p and ENTRIES[portal.plain(p:text())]
		if type_ then
			seen[type_] = true
			for _, a in ipairs(item:xpath(".//li[@class='nav-item']//a[@href]")) do
				pages[#pages + 1] = { url = a:url("href"), type = type_ }
			end
		end
	end
	for entry, type_ in pairs(ENTRIES) do
		if not seen[type_] then
			error(string.format("BRAS: the menu entry '%s' (li.nav-item with that p text) was not "
				.. "found in '%s' on %s", entry, table.concat(MENU, " > "), url), 0)
		end
	end
	return pages
end

local function scrape(url)
	local pages = bras_pages(url)
	local urls = {}
	for i, pg in ipairs(pages) do
		urls[i] = pg.url
	end
	local rows = {}
	for i, doc in ipairs(portal.fetch_all(urls)) do
		local purl, type_ = pages[i].url, pages[i].type
		local content = portal.find(doc, "section.content", purl)
		local blocks = portal.all(content, "div.col-sm-12", purl)
		if #blocks < 2 then
			error(string.format("BRAS %s: no interfaces found on %s (only the header block)", type_,
				purl), 0)
		end
		for k = 2, #blocks do
			local r = portal.block_row(blocks[k], purl, nil, "TRAFICO DE RED", type_)
			if r then
				r.capacity = portal.capacity_before(portal.spaced(r.name), "GB") or 0
				rows[#rows + 1] = r
			end
		end
	end
	return rows
end

return portal.run({
	layer = "BRAS",
	vendors = {
		{ name = "HUAWEI", setting = "SCAN_URL_BRAS_HUAWEI", scrape = scrape },
	},
})
