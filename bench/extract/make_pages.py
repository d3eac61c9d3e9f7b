#!/usr/bin/env python3
"""Writes the extraction test set: news pages in several languages and
layouts (bylines, related links, comments, captions, cookie banners, "read
more", share bars, newsletter boxes), each with its gold body text.

All text here was written for rhetor; no page is copied from a site. The
pages are rebuilt bit for bit by running this script:

    python3 bench/extract/make_pages.py bench/extract/pages

writes NAME.html and NAME.gold.txt (one body paragraph per line) per page.
"""
import html
import os
import sys

ARTICLES = {
    "en-harbour": dict(
        lang="en", site="The Coastal Ledger", host="coastal-ledger.example",
        title="Harbour expansion vote delayed after fishermen protest",
        date="2024-03-14T09:30:00+00:00", author="Maya Thornton",
        paras=[
            "The city council postponed Thursday's vote on the harbour expansion after more than two hundred fishermen gathered outside the town hall, many of them holding nets and hand-painted signs.",
            "The plan would add a container terminal on the northern breakwater, a stretch of water where small boats have landed cod and mackerel for generations. Supporters say the terminal would bring four hundred jobs within five years.",
            "\"They are selling our harbour to people who have never seen a storm here,\" said Ewan Price, who has fished from the port for thirty-one years. \"Nobody asked us what we need.\"",
            "Council leader Ruth Abernathy said the delay was a matter of respect rather than a change of heart. The council would meet the fishermen's association next week and publish the full environmental study before any new date was set.",
            "Opposition members accused the leadership of hiding the study for months. The study, seen by this newspaper, warns that dredging could cloud the bay's water for two summers and drive away the seals that draw tourists each August.",
            "The port authority, which would run the terminal, declined to comment on the report but said in a statement that it remained committed to a harbour that works for everyone.",
        ]),
    "fr-retraites": dict(
        lang="fr", site="Le Courrier du Matin", host="courrier-matin.example",
        title="Retraites : le gouvernement promet un compromis avant l'été",
        date="2023-05-02T07:15:00+02:00", author="Claire Dufresne",
        paras=[
            "Le gouvernement a annoncé mardi qu'il présenterait un nouveau projet de réforme des retraites avant la fin du mois de juin, après trois semaines de grèves qui ont paralysé les transports dans plusieurs grandes villes.",
            "La ministre du Travail a reconnu devant les députés que « le texte initial n'avait pas été assez expliqué », tout en refusant de revenir sur le principe d'un allongement de la durée de cotisation.",
            "Les syndicats, reçus lundi soir à Matignon, se disent prêts à discuter mais exigent le retrait de la mesure d'âge. « On ne négocie pas avec un pistolet sur la tempe », a lancé le secrétaire général d'une grande confédération.",
            "Selon un sondage publié dimanche, près de sept Français sur dix jugent la réforme injuste, un chiffre stable depuis janvier. Les économistes restent partagés sur l'effet réel des mesures sur l'équilibre du système.",
            "Dans les gares, les voyageurs oscillent entre lassitude et solidarité. « Je perds deux heures par jour, mais je comprends leur colère », confie une infirmière croisée sur un quai de la gare de Lyon.",
        ]),
    "de-energie": dict(
        lang="de", site="Rheinische Abendpost", host="abendpost.example",
        title="Stadtwerke erhöhen die Strompreise zum dritten Mal in diesem Jahr",
        date="2022-10-21T16:45:00+02:00", author="Jonas Weber",
        paras=[
            "Die Stadtwerke haben am Freitag angekündigt, die Strompreise für Haushaltskunden zum ersten Dezember um durchschnittlich achtzehn Prozent anzuheben. Es ist die dritte Erhöhung innerhalb von zehn Monaten.",
            "Als Grund nannte das Unternehmen die gestiegenen Beschaffungskosten an der Strombörse. Man habe die Preise so lange wie möglich stabil gehalten, sagte eine Sprecherin, doch die langfristigen Verträge liefen nun aus.",
            "Verbraucherschützer kritisierten den Zeitpunkt scharf. Gerade vor dem Winter träfe die Erhöhung Familien mit kleinen Einkommen besonders hart, erklärte die örtliche Beratungsstelle und riet, die Abschläge sofort zu prüfen.",
            "Im Stadtrat forderte die Opposition einen Härtefallfonds. Der Oberbürgermeister verwies dagegen auf die Entlastungspakete des Bundes und kündigte an, die Lage im November erneut zu bewerten.",
            "Kunden, die ihren Vertrag kündigen wollen, haben wegen der Preisänderung ein Sonderkündigungsrecht. Die Frist beträgt zwei Wochen nach Erhalt des Schreibens.",
        ]),
    "it-ponte": dict(
        lang="it", site="Gazzetta del Litorale", host="gazzetta-litorale.example",
        title="Il nuovo ponte sul fiume aprirà con sei mesi di ritardo",
        date="2024-01-09T11:00:00+01:00", author="Giulia Ferraro",
        paras=[
            "Il nuovo ponte sul fiume non sarà pronto prima dell'autunno. Lo ha confermato ieri l'assessore ai lavori pubblici durante una conferenza stampa convocata in fretta dopo le proteste dei commercianti del quartiere.",
            "Secondo il Comune, il ritardo è dovuto a problemi imprevisti nelle fondazioni della pila centrale, dove i tecnici hanno trovato uno strato di argilla più profondo del previsto. I costi aumenteranno di circa due milioni di euro.",
            "I negozianti della riva sinistra parlano di un danno enorme. «Da un anno lavoriamo a metà, i clienti non arrivano più», racconta il titolare di una panetteria aperta dal nonno nel 1958.",
            "L'opposizione chiede che l'impresa paghi le penali previste dal contratto e che il sindaco riferisca in consiglio. La maggioranza replica che ogni decisione sarà presa solo dopo la relazione dei periti.",
        ]),
    "pl-szkola": dict(
        lang="pl", site="Gazeta Nadwiślańska", host="nadwislanska.example",
        title="Rodzice protestują przeciwko zamknięciu wiejskiej szkoły",
        date="2023-09-05T08:20:00+02:00", author="Anna Kowalczyk",
        paras=[
            "Kilkudziesięciu rodziców zebrało się w poniedziałek przed urzędem gminy, aby zaprotestować przeciwko planowanemu zamknięciu szkoły podstawowej w małej wsi nad rzeką. Do szkoły uczęszcza obecnie czterdzieścioro dwoje dzieci.",
            "Wójt tłumaczy, że utrzymanie placówki kosztuje gminę coraz więcej, a liczba uczniów spada od lat. Dzieci miałyby dojeżdżać autobusem do szkoły w sąsiedniej miejscowości, oddalonej o dwanaście kilometrów.",
            "Rodzice nie kryją oburzenia. „Zamykają jedyne miejsce, gdzie ta wieś jeszcze żyje” – mówi matka dwóch uczniów. Jej zdaniem dojazdy zimą będą dla najmłodszych dzieci zbyt męczące.",
            "Radni mają zdecydować o losie szkoły na posiedzeniu pod koniec miesiąca. Część z nich zapowiada, że zagłosuje przeciwko uchwale, jeśli gmina nie przedstawi dokładnych wyliczeń.",
        ]),
    "ru-zavod": dict(
        lang="ru", site="Вечерний Вестник", host="vestnik-vecher.example",
        title="Жители требуют закрыть старый химический завод",
        date="2021-06-17T19:05:00+03:00", author="Ирина Соколова",
        paras=[
            "Несколько сотен жителей вышли в субботу на улицы, требуя закрыть старый химический завод на окраине города. По их словам, после каждой ночной смены в районе стоит едкий запах.",
            "Руководство предприятия утверждает, что все выбросы находятся в пределах нормы, и ссылается на данные собственной лаборатории. Независимые замеры, однако, пока никто не проводил.",
            "«Мы просто хотим дышать нормальным воздухом», — говорит пенсионерка, живущая в соседнем доме уже сорок лет. Она рассказывает, что летом соседи перестали открывать окна.",
            "В мэрии пообещали создать рабочую группу с участием экологов и представителей жителей. Первое заседание назначено на следующую неделю.",
        ]),
    "es-sequia": dict(
        lang="es", site="Diario del Valle", host="diariodelvalle.example",
        title="Los agricultores piden ayudas urgentes por la sequía",
        date="2023-04-27T10:10:00+02:00", author="Lucía Romero",
        paras=[
            "Cientos de agricultores recorrieron ayer con sus tractores el centro de la capital para reclamar ayudas urgentes ante la peor sequía que recuerda la comarca en medio siglo.",
            "Las organizaciones agrarias calculan que la cosecha de cereal caerá este año más de un sesenta por ciento. Muchos olivares, aseguran, ya muestran daños que tardarán años en recuperarse.",
            "El consejero de Agricultura prometió un paquete de medidas antes del verano, aunque evitó dar cifras. Los manifestantes respondieron con pitadas y pancartas contra lo que llaman promesas vacías.",
            "Los embalses de la cuenca se encuentran al veintiocho por ciento de su capacidad, según los últimos datos oficiales, y las restricciones de riego podrían endurecerse en mayo.",
        ]),
    "en-satire": dict(
        lang="en", site="The Weekly Gripe", host="weeklygripe.example",
        title="Opinion: Our town has finally found a problem a roundabout cannot solve",
        date="2024-06-02T06:00:00+01:00", author="Derek Mallory",
        paras=[
            "For twenty years this town has answered every question with a roundabout. Traffic too slow? Roundabout. Traffic too fast? Two roundabouts. A shop closes on the high street? Believe it or not, a roundabout with a flower bed.",
            "So it is almost touching to watch the council discover, at last, a problem that concrete circles cannot fix: nobody can afford to live here any more.",
            "The housing report published on Monday is blunt. Rents have risen by forty per cent in five years, and young teachers and nurses are commuting from towns an hour away. Yet the council's response is a consultation on, of all things, a new bus lane.",
            "I do not doubt the good intentions of the people who run this place. I only doubt that they have ever looked at a rental listing. Until they do, expect more flower beds and fewer neighbours.",
        ]),
}

COOKIE = {
    "en": ("We use cookies to improve your experience. By continuing to browse you accept our use of cookies.", "Accept all", "Manage settings"),
    "fr": ("Nous utilisons des cookies pour améliorer votre expérience. En poursuivant votre navigation, vous acceptez leur utilisation.", "Tout accepter", "Paramétrer"),
    "de": ("Wir verwenden Cookies, um Ihnen das beste Nutzererlebnis zu bieten. Mit der weiteren Nutzung stimmen Sie zu.", "Alle akzeptieren", "Einstellungen"),
    "it": ("Utilizziamo i cookie per migliorare la tua esperienza di navigazione. Continuando accetti il loro utilizzo.", "Accetta tutto", "Impostazioni"),
    "pl": ("Używamy plików cookie, aby ułatwić korzystanie z serwisu. Dalsze korzystanie oznacza zgodę.", "Akceptuję", "Ustawienia"),
    "ru": ("Мы используем файлы cookie, чтобы сделать сайт удобнее. Продолжая, вы соглашаетесь с этим.", "Принять", "Настройки"),
    "es": ("Utilizamos cookies para mejorar su experiencia. Si continúa navegando, acepta su uso.", "Aceptar todo", "Configurar"),
}
WORDS = {
    "en": ("Related stories", "Read more", "Comments", "Share", "Sign up for our newsletter", "Photo", "By", "Most read"),
    "fr": ("À lire aussi", "Lire la suite", "Commentaires", "Partager", "Inscrivez-vous à notre newsletter", "Photo", "Par", "Les plus lus"),
    "de": ("Mehr zum Thema", "Weiterlesen", "Kommentare", "Teilen", "Newsletter abonnieren", "Foto", "Von", "Meistgelesen"),
    "it": ("Leggi anche", "Continua a leggere", "Commenti", "Condividi", "Iscriviti alla newsletter", "Foto", "Di", "I più letti"),
    "pl": ("Czytaj także", "Czytaj więcej", "Komentarze", "Udostępnij", "Zapisz się do newslettera", "Fot.", "Autor:", "Najczęściej czytane"),
    "ru": ("Читайте также", "Читать далее", "Комментарии", "Поделиться", "Подпишитесь на рассылку", "Фото", "Автор:", "Самое читаемое"),
    "es": ("Noticias relacionadas", "Leer más", "Comentarios", "Compartir", "Suscríbase a nuestro boletín", "Foto", "Por", "Lo más leído"),
}
RELATED = [
    "Ferry timetable changes for the summer season",
    "Council approves budget for new cycle paths",
    "Local theatre reopens after two-year renovation",
    "Weather: storms expected along the coast this weekend",
    "School meals: parents question new supplier",
]
COMMENTS = [
    ("jk_1978", "This is exactly what happened last time and nobody learned anything."),
    ("Marta", "Thanks for the clear article, finally someone explains it."),
    ("old_sailor", "Typical. Decisions made behind closed doors again!!"),
]


def esc(s):
    return html.escape(s, quote=True)


def head(a, extra=""):
    return f"""<head>
<meta charset="{a.get('charset', 'utf-8')}">
<title>{esc(a['title'])} | {esc(a['site'])}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta property="og:title" content="{esc(a['title'])}">
<meta property="og:site_name" content="{esc(a['site'])}">
<meta property="og:url" content="https://{a['host']}/news/{a['slug']}">
<meta property="article:published_time" content="{a['date']}">
<link rel="canonical" href="https://{a['host']}/news/{a['slug']}">
<link rel="stylesheet" href="/static/site.css">
<script>window.dataLayer=window.dataLayer||[];function gtag(){{dataLayer.push(arguments)}}</script>
{extra}</head>"""


def nav(a):
    items = ["Home", "Politics", "Business", "Sport", "Culture", "Opinion", "Weather"]
    return "<header class=\"site-header\"><a class=\"logo\" href=\"/\">" + esc(a["site"]) + "</a><nav><ul>" + "".join(
        f"<li><a href=\"/{i.lower()}\">{i}</a></li>" for i in items) + "</ul></nav></header>"


def cookie(a):
    t, ok, more = COOKIE[a["lang"]]
    return f"<div id=\"cookie-banner\" class=\"consent\"><p>{esc(t)}</p><button>{esc(ok)}</button><button>{esc(more)}</button></div>"


def related(a):
    w = WORDS[a["lang"]]
    return f"<aside class=\"related\"><h3>{w[0]}</h3><ul>" + "".join(
        f"<li><a href=\"/news/r{i}\">{esc(t)}</a></li>" for i, t in enumerate(RELATED)) + "</ul></aside>"


def comments(a):
    w = WORDS[a["lang"]]
    return f"<section class=\"comments\"><h2>{w[2]} ({len(COMMENTS)})</h2>" + "".join(
        f"<div class=\"comment\"><span class=\"user\">{esc(u)}</span><p>{esc(t)}</p><a href=\"#\">Reply</a></div>"
        for u, t in COMMENTS) + "</section>"


def footer(a):
    return (f"<footer><p>© 2024 {esc(a['site'])}. All rights reserved.</p><ul><li><a href=\"/about\">About us</a></li>"
            "<li><a href=\"/privacy\">Privacy policy</a></li><li><a href=\"/contact\">Contact</a></li></ul></footer>")


def figure(a):
    w = WORDS[a["lang"]]
    return (f"<figure><img src=\"/img/{a['slug']}.jpg\" alt=\"\"><figcaption>{w[5]}: archive. "
            f"{esc(a['title'][:40])}…</figcaption></figure>")


def body_ps(a, cls=""):
    return "\n".join(f"<p{cls}>{esc(p)}</p>" for p in a["paras"])


def layout_classic(a):
    w = WORDS[a["lang"]]
    return f"""<!DOCTYPE html>
<html lang="{a['lang']}">
{head(a)}
<body>
{cookie(a)}
{nav(a)}
<main>
<article>
<h1>{esc(a['title'])}</h1>
<div class="byline">{w[6]} <a href="/authors/x">{esc(a['author'])}</a> · <time datetime="{a['date']}">{a['date'][:10]}</time></div>
{figure(a)}
{body_ps(a)}
<div class="share"><span>{w[3]}</span><a href="#">Facebook</a><a href="#">X</a><a href="#">Email</a></div>
</article>
{related(a)}
{comments(a)}
</main>
{footer(a)}
</body>
</html>
"""


def layout_div_soup(a):
    # No <article>, no <p>: paragraphs in divs with <br>, a sidebar before the text.
    w = WORDS[a["lang"]]
    paras = "\n".join(f"<div class=\"txt\">{esc(p)}</div>" for p in a["paras"])
    most = "".join(f"<li><a href=\"/m{i}\">{esc(t)}</a></li>" for i, t in enumerate(RELATED[:4]))
    return f"""<!doctype html>
<html lang="{a['lang']}">
{head(a)}
<body>
{nav(a)}
<div id="wrap">
<div id="sidebar"><h4>{w[7]}</h4><ol>{most}</ol><div class="ad">Advertisement</div></div>
<div id="content">
<div class="headline"><h1>{esc(a['title'])}</h1></div>
<div class="meta">{esc(a['author'])} | {a['date'][:10]}</div>
<div class="story-body">
{paras}
</div>
<div class="newsletter"><b>{w[4]}</b><form><input type="email" placeholder="email"><button>OK</button></form></div>
</div>
</div>
{footer(a)}
</body>
</html>
"""


def layout_teaser(a):
    # First paragraphs, then a "read more" teaser list and a newsletter box
    # inside the article container; the JSON-LD carries the date.
    w = WORDS[a["lang"]]
    ld = ('<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle",'
          '"datePublished":"' + a["date"] + '","author":{"@type":"Person","name":"' + a["author"] + '"}}</script>')
    half = len(a["paras"]) // 2
    first = "\n".join(f"<p>{esc(p)}</p>" for p in a["paras"][:half])
    rest = "\n".join(f"<p>{esc(p)}</p>" for p in a["paras"][half:])
    teasers = "".join(
        f"<div class=\"teaser\"><a href=\"/n{i}\"><h4>{esc(t)}</h4></a><p>{w[1]} →</p></div>" for i, t in enumerate(RELATED[:3]))
    return f"""<!DOCTYPE html>
<html lang="{a['lang']}">
{head(a, ld)}
<body>
{cookie(a)}
{nav(a)}
<div class="container">
<article class="post">
<header><p class="kicker">{esc(a['site'])}</p><h1 class="entry-title">{esc(a['title'])}</h1>
<p class="author">{w[6]} {esc(a['author'])}</p></header>
<div class="entry-content">
{first}
<div class="inline-related"><strong>{w[0]}:</strong> <a href="/x">{esc(RELATED[2])}</a></div>
{figure(a)}
{rest}
</div>
<div class="more-stories">{teasers}</div>
</article>
</div>
{footer(a)}
</body>
</html>
"""


def layout_liveblog(a):
    # Sections with <section> wrappers, a tag cloud and a comment form.
    w = WORDS[a["lang"]]
    secs = "\n".join(f"<section class=\"block\"><p>{esc(p)}</p></section>" for p in a["paras"])
    tags = "".join(f"<a class=\"tag\" href=\"/t/{t}\">{t}</a> " for t in ["politics", "local", "economy", "city"])
    return f"""<!DOCTYPE html>
<html lang="{a['lang']}">
{head(a)}
<body class="single">
{nav(a)}
<main id="main">
<div class="breadcrumbs"><a href="/">Home</a> › <a href="/news">News</a></div>
<h1>{esc(a['title'])}</h1>
<p class="dateline"><time datetime="{a['date']}">{a['date'][:16].replace('T', ' ')}</time></p>
<div class="article-body">
{secs}
</div>
<div class="tags">{tags}</div>
{comments(a)}
<form class="comment-form"><textarea></textarea><button>{w[2]}</button></form>
</main>
{related(a)}
{footer(a)}
</body>
</html>
"""


LAYOUTS = {"classic": layout_classic, "divs": layout_div_soup, "teaser": layout_teaser, "sections": layout_liveblog}

PAGES = [
    ("en-harbour", "classic"), ("en-harbour", "divs"),
    ("fr-retraites", "teaser"), ("fr-retraites", "classic"),
    ("de-energie", "sections"), ("de-energie", "teaser"),
    ("it-ponte", "classic"), ("it-ponte", "sections"),
    ("pl-szkola", "divs"), ("pl-szkola", "teaser"),
    ("ru-zavod", "classic"), ("ru-zavod", "divs"),
    ("es-sequia", "sections"), ("es-sequia", "classic"),
    ("en-satire", "teaser"), ("en-satire", "sections"),
]
# Pages saved in a legacy encoding, declared only in <meta charset>.
ENCODED = {("fr-retraites", "classic"): "windows-1252", ("ru-zavod", "divs"): "windows-1251"}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "pages")
    os.makedirs(out, exist_ok=True)
    for key, layout in PAGES:
        a = dict(ARTICLES[key])
        a["slug"] = key
        enc = ENCODED.get((key, layout), "utf-8")
        a["charset"] = enc
        page = LAYOUTS[layout](a)
        name = f"{key}-{layout}"
        with open(os.path.join(out, name + ".html"), "wb") as f:
            f.write(page.encode(enc))
        with open(os.path.join(out, name + ".gold.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(a["paras"]) + "\n")


if __name__ == "__main__":
    main()
