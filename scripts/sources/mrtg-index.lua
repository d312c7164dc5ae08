-- mrtg-index.lua - a sources file from a plain MRTG index page, as `indexmaker` writes it.
--
-- scanbackup updater sources --mrtg-index URL --layer LAYER [--type TYPE]
-- Any MRTG installation: every graph of the index (a link to X.html around an image) becomes a
-- line; the name is the graph's heading in the index (indexmaker's <b> text: the target's PageTop
-- <h1>, else its Title), else the image's alt text, else X. The index holds no capacity: lines
-- are written with 0 and listed for review, and a capacity set by hand is kept on the next run
-- (the merge rule of the portal scrapers, for TYPE only). No SCAN credentials are sent to it.

local portal = require("portal")
local sb = require("sb")

local url, layer, type_ = arg[1], arg[2], arg[3] or "MRTG"
if not url or not layer then
	error("usage: mrtg-index.lua URL LAYER [TYPE]", 0)
end
layer = sb.text.upper(layer)
type_ = portal.plain(type_)

local function scrape(index_url)
	local doc = portal.fetch(index_url, { auth = false })
	local rows = {}
	for _, a in ipairs(doc:xpath("//a[@href][.//img]")) do
		local target = a:url("href")
		if target and target:find("%.html$") then
			local cell = a:xpath("ancestor::td[1]")[1]
			local heading = cell and cell:xpath("(.//b)[1]")[1]
			local img = a:xpath("(.//img)[1]")[1]
			local title = heading and heading:text() or ""
			if title == "" and img and img:attr("alt") then
				title = img:attr("alt"):gsub(" Traffic Graph$", "")
			end
			if title == "" then
				title = target:match("([^/]+)%.html$")
			end
			local r = portal.row(a, title, nil, nil, type_)
			if r then
				rows[#rows + 1] = r
			end
		end
	end
	return rows
end

-- Run like a portal layer whose one vendor's URL is the index given on the command line.
return portal.run({
	layer = layer,
	vendors = {
		{ name = type_, url = url, scrape = scrape },
	},
})
