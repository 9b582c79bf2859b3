/**
 * A self-contained page that renders `/openapi.json`: no CDN, so it works offline and behind strict CSPs.
 * @module
 */
export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Worker orchestrator API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:960px;padding:1.5rem;color:#1d2433}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ddd;text-transform:capitalize}
details{border:1px solid #dde;border-radius:6px;margin:.5rem 0;padding:.4rem .8rem;background:#fafbff}
summary{cursor:pointer}code,pre{font:13px ui-monospace,monospace}pre{background:#f3f4f8;padding:.6rem;overflow:auto}
.m{display:inline-block;min-width:4.2rem;font-weight:700;text-transform:uppercase}
.get{color:#1769aa}.post{color:#1b7f3b}.patch{color:#a35d00}.delete{color:#b3261e}.acc{color:#666;font-size:.85em}
</style></head><body><h1>Worker lifecycle orchestrator</h1>
<p>Every route, generated from the same zod schemas that validate requests. Raw document: <a href="openapi.json">/openapi.json</a>.
Send <code>Authorization: Bearer &lt;key&gt;</code>; errors are <code>{"message","code"}</code>.</p>
<div id="api">Loading…</div>
<script>
const esc=s=>String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
fetch('openapi.json').then(r=>r.json()).then(doc=>{
  const byTag={};
  for(const [path,ops] of Object.entries(doc.paths))for(const [method,op] of Object.entries(ops))
    (byTag[op.tags[0]]??=[]).push({path,method,op});
  let html='';
  for(const [tag,list] of Object.entries(byTag)){
    html+='<h2>'+esc(tag)+'</h2>';
    for(const {path,method,op} of list){
      html+='<details><summary><span class="m '+method+'">'+method+'</span><code>'+esc(path)+'</code> — '+esc(op.summary)+
        ' <span class="acc">['+esc(op['x-access'])+']</span></summary>';
      if(op.description)html+='<p>'+esc(op.description)+'</p>';
      const q=(op.parameters||[]).filter(p=>p.in==='query');
      if(q.length)html+='<p><b>Query</b>: '+q.map(p=>'<code>'+esc(p.name)+'</code>').join(', ')+'</p>';
      if(op.requestBody)html+='<p><b>Body</b></p><pre>'+esc(JSON.stringify(op.requestBody.content['application/json'].schema,null,2))+'</pre>';
      html+='<p><b>Responses</b>: '+Object.entries(op.responses).map(([c,r])=>'<code>'+c+'</code> '+esc(r.description)).join('; ')+'</p></details>';
    }
  }
  document.getElementById('api').innerHTML=html;
}).catch(e=>{document.getElementById('api').textContent='Could not load openapi.json: '+e});
</script></body></html>`;
