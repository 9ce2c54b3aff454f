import json, re, csv, html, glob, os, sys
B=os.path.dirname(os.path.abspath(__file__))
docs={}
for p in sorted(glob.glob(B+'/corpus/*')):
    if p.endswith('.csv'): continue
    docs[os.path.basename(p)]=open(p,encoding='utf-8').read()
def visible_segments(raw):
    raw=re.sub(r'(?is)<(style|script|head)\b.*?</\1>','\x00',raw)
    return re.sub(r'<[^>]*>','\x00',raw)
vis={n:(visible_segments(t) if n.endswith('.html') else t) for n,t in docs.items()}
faq=list(csv.DictReader(open(B+'/corpus/faq.csv',encoding='utf-8')))
faqtext=' '.join(r['answer'] for r in faq)
ok=True; na=nu=0
for i,line in enumerate(open(B+'/questions.jsonl',encoding='utf-8'),1):
    d=json.loads(line)
    assert set(d)=={'question','expected'}, d
    e=d['expected']
    if e is None: nu+=1; continue
    na+=1
    nw=len(e.split())
    hits={n:v.count(e) for n,v in vis.items() if e in v}
    rawhits={n:t.count(e) for n,t in docs.items() if e in t}
    probs=[]
    if '\n' in e: probs.append('newline')
    if not 4<=nw<=15: probs.append(f'{nw} words')
    if len(hits)!=1 or sum(hits.values())!=1: probs.append(f'hits={hits}')
    if hits!=rawhits: probs.append(f'raw={rawhits}')
    if any(c in e for c in '&<>') and any(n.endswith('.html') for n in hits): probs.append('html special char')
    if any(n.endswith('.md') for n in hits) and re.search(r'[`*{}_]',e): probs.append('md markup')
    infaq = e in faqtext
    if probs: ok=False; print('LINE',i,probs,e)
    else: print(f'{i:3} ok {list(hits)[0]:28} faq={infaq!s:5} {e}')
def norm(n,t):
    if n.endswith('.html'):
        t=re.sub(r'(?is)<(style|script|head)\b.*?</\1>',' ',t); t=html.unescape(re.sub(r'<[^>]*>','',t))
    if n.endswith('.md'): t=t.replace('`','')
    return ' '.join(t.split())
nd={n:norm(n,t) for n,t in docs.items()}
for r in faq:
    a=' '.join(r['answer'].split())
    src=[n for n,t in nd.items() if a in t]
    print('FAQ',r['id'],src if src else 'NOT FOUND'); ok&=bool(src)
print('answerable',na,'unanswerable',nu,'faq rows',len(faq),'OK' if ok else 'PROBLEMS')
