#!/usr/bin/env python3
"""Writes the held-out extraction pages: layouts written *after* rhetor's
clean-up rules were fixed (make_pages.py's layouts were in view while the
rules were written, so they flatter the extractor). Same articles, new
markup conventions: WordPress-style captions inside paragraphs, author
bios, "Read more:" lines and pull quotes inside the body, inline ads,
lists that belong to the article, table layouts with <br><br> paragraphs.

    python3 bench/extract/make_heldout.py bench/extract/heldout
"""
import html
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_pages import ARTICLES, head  # noqa: E402


def esc(s):
    return html.escape(s, quote=True)


def wordpress(a):
    ps = [f"<p>{esc(p)}</p>" for p in a["paras"]]
    ps.insert(2, '<div class="wp-caption aligncenter"><img src="/wp-content/x.jpg" alt="">'
                 f'<p class="wp-caption-text">{esc(a["site"])} archive photograph of the scene, taken in 2019.</p></div>')
    return f"""<!DOCTYPE html><html lang="{a['lang']}">{head(a)}
<body class="post-template-default single">
<div id="page"><header id="masthead"><div class="site-branding"><p class="site-title"><a href="/">{esc(a['site'])}</a></p></div>
<div class="menu-main-container"><ul id="primary-menu"><li><a href="/">Home</a></li><li><a href="/local">Local</a></li><li><a href="/about">About</a></li></ul></div></header>
<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main">
<div class="post type-post hentry"><header class="entry-header"><h1 class="entry-title">{esc(a['title'])}</h1>
<div class="entry-meta"><span class="posted-on">{a['date'][:10]}</span> <span class="author vcard">{esc(a['author'])}</span></div></header>
<div class="entry-content">
{chr(10).join(ps)}
<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this:</h3><ul><li>Twitter</li><li>Facebook</li></ul></div>
<div id="jp-relatedposts" class="jp-relatedposts"><h3>Like this:</h3><p>Be the first to like this post and tell your friends about it today.</p></div>
</div>
<div class="author-info"><h2>About {esc(a['author'])}</h2><p>{esc(a['author'])} has covered local politics for the paper since 2011 and lives by the sea with two dogs.</p></div>
</div>
<div id="comments" class="comments-area"><h2>2 thoughts on this story</h2><ol class="commentlist"><li>Great reporting, keep asking the hard questions please!</li><li>I was there and it was much bigger than the article says.</li></ol></div>
</main></div></div>
<footer id="colophon"><p>Proudly powered by a blog engine.</p></footer></div></body></html>"""


def portal(a):
    ps = [f"<p>{esc(p)}</p>" for p in a["paras"]]
    ps.insert(1, '<div class="inread-ad"><span>Advertisement</span><div id="gpt-ad-1"></div></div>')
    ps.insert(3, f'<blockquote class="pullquote"><p>{esc(a["paras"][1][:90])}</p></blockquote>')
    ps.insert(5, f'<p><strong>Read more:</strong> <a href="/x">{esc(a["site"])} explains what happens next in the dispute</a></p>')
    return f"""<!DOCTYPE html><html lang="{a['lang']}">{head(a)}
<body><div class="top-bar"><a href="/login">Log in</a> <a href="/subscribe">Subscribe from 1 euro</a></div>
<header><div class="brand">{esc(a['site'])}</div><ul class="menu"><li><a href="/">Front page</a></li><li><a href="/economy">Economy</a></li><li><a href="/sport">Sport</a></li><li><a href="/travel">Travel</a></li></ul></header>
<div class="layout"><div class="art">
<h1 class="art-title">{esc(a['title'])}</h1>
<p class="art-lead-info">{esc(a['author'])}, {a['date'][:10]}</p>
<div class="art-body">
{chr(10).join(ps)}
</div>
<div class="art-topics"><a href="/t/1">Politics</a><a href="/t/2">Local</a></div>
</div>
<div class="rail"><div class="box"><h4>Trending now</h4><ol><li><a href="/1">Celebrity chef opens a third restaurant in the old harbour</a></li><li><a href="/2">Ten things to do this weekend with children in the city</a></li></ol></div></div>
</div>
<div class="site-footer-links"><a href="/imprint">Imprint</a> <a href="/privacy">Privacy</a></div></body></html>"""


def component(a):
    ps = [f'<p class="c-article__par">{esc(p)}</p>' for p in a["paras"]]
    ps.insert(2, f'<div class="c-photo"><img src="/p.jpg"><span class="c-photo__credit">Photo: {esc(a["author"])} / agency</span></div>')
    ps.insert(4, '<div class="c-newsletter-box"><p>Get the morning briefing in your inbox every weekday at seven.</p><input><button>Go</button></div>')
    return f"""<!DOCTYPE html><html lang="{a['lang']}">{head(a)}
<body><div class="l-page"><div class="c-header"><a class="c-header__logo" href="/">{esc(a['site'])}</a>
<ul class="c-header__nav"><li><a href="/">News</a></li><li><a href="/video">Video</a></li><li><a href="/podcasts">Podcasts</a></li></ul></div>
<div class="l-article"><h1 class="c-article__title">{esc(a['title'])}</h1>
<div class="c-article__info"><span>{esc(a['author'])}</span><span>{a['date'][:10]}</span></div>
<div class="c-article__text">
{chr(10).join(ps)}
</div>
<ul class="c-article__keywords"><li>strike</li><li>council</li><li>city</li></ul>
<div class="c-more"><h3>More from {esc(a['site'])}</h3><div class="c-card"><a href="/c1">Opinion: what the vote really means for the region</a></div><div class="c-card"><a href="/c2">Photos: a week of protests in ten pictures</a></div></div>
</div><div class="c-footer"><p>All content © {esc(a['site'])}</p></div></div></body></html>"""


def table(a):
    body = "<br><br>\n".join(esc(p) for p in a["paras"])
    return f"""<html><head><meta charset="utf-8"><title>{esc(a['title'])}</title></head>
<body bgcolor="#ffffff"><table width="100%"><tr>
<td class="leftcol" width="160" valign="top"><b>Sections</b><br><a href="/a">Local news</a><br><a href="/b">Regional news</a><br><a href="/c">Sports results</a><br><a href="/d">Classified ads</a></td>
<td valign="top"><font face="Arial"><h2>{esc(a['title'])}</h2><i>{a['date'][:10]}</i><br><br>
{body}
<br><br><small>Copyright {esc(a['site'])}. Reproduction prohibited.</small></font></td>
</tr></table></body></html>"""


LAYOUTS = {"wordpress": wordpress, "portal": portal, "component": component, "table": table}
PAGES = [("en-harbour", "portal"), ("fr-retraites", "wordpress"), ("de-energie", "component"),
         ("it-ponte", "table"), ("pl-szkola", "portal"), ("ru-zavod", "component"),
         ("es-sequia", "wordpress"), ("en-satire", "table")]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "heldout")
    os.makedirs(out, exist_ok=True)
    for key, layout in PAGES:
        a = dict(ARTICLES[key])
        a["slug"] = key
        a["charset"] = "utf-8"
        name = f"{key}-{layout}"
        with open(os.path.join(out, name + ".html"), "w", encoding="utf-8") as f:
            f.write(LAYOUTS[layout](a))
        with open(os.path.join(out, name + ".gold.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(a["paras"]) + "\n")


if __name__ == "__main__":
    main()
