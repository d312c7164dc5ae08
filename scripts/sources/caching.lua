-- caching.lua - sources/SCAN/CACHING from the SCAN portal: the links of each caching service.
--
-- The side menu lists one page per service (after a first entry); the service, which is the
-- type, is the entry's text without "Suma" (ALIANZA -> FACEBOOK (META)). On a service page every
-- div.col-sm-12 of section.content > div.row > div.col-md-12 is an interface, except the totals
-- (SUMATORIA). Capacity: the first "10G"-like word of the name, else 0. Rules: docs/portal.md.

local portal = require("portal")
local sb = require("sb")

local MENU = { "div.sidebar", "nav.mt-2", "ul.nav nav-pills nav-sidebar flex-column",
	"li.nav-item menu-open", "ul.nav nav-treeview" }

-- The service of a menu entry's text.
local function service(text)
	local s = sb.text.upper(text):gsub("%f[%w]SUMA%f[%W]", " ")
	s = sb.text.trim((s:gsub("%s+", " ")))
	if s:find("ALIANZA", 1, true) then
		return "FACEBOOK (META)"
	end
	return s
end

local function scrape(url)
	local doc = portal.fetch(url)
	local menu = portal.find(doc, MENU, url)
	local pages = {}
	for i, item in ipairs(portal.all(menu, "li.nav-item", url)) do
		if i > 1 then
			for _, a in ipairs(item:xpath(".//a[@class='nav-link']")) do
				local href = a:attr("href")
				if href and href ~= "#" then
					local p = portal.try(a, "p")
					pages[#pages + 1] = { url = a:url("href"), type = service(p and p:text() or a:text()) }
				end
			end
		end
	end
	if #pages == 0 then
		error("CACHING: no service page (a.nav-link) found in '" .. table.concat(MENU, " > ")
			.. "' on " .. url, 0)
	end
	local urls = {}
	for i, pg in ipairs(pages) do
		urls[i] = pg.url
	end
	local rows = {}
	for i, sdoc in ipairs(portal.fetch_all(urls)) do
		local purl, type_ = pages[i].url, pages[i].type
		local col = portal.find(sdoc, { "section.content", "div.row", "div.col-md-12" }, purl)
		for _, block in ipairs(portal.all(col, "div.col-sm-12", purl)) do
			local title = portal.find(block, "li#subtitulo", purl):text()
			if not portal.plain(title):find("SUMATORIA", 1, true) then
				local link = portal.find(block, { "li#graficas", "a[href]" }, purl)
				local r = portal.row(link, title, "ROUTER", "TRAFICO DE RED", type_)
				if r then
					r.capacity = portal.capacity_g_word(portal.spaced(r.name)) or 0
					rows[#rows + 1] = r
				end
			end
		end
	end
	return rows
end

return portal.run({
	layer = "CACHING",
	vendors = {
		{ name = "HUAWEI", setting = "SCAN_URL_CACHING_HUAWEI", scrape = scrape },
	},
})
