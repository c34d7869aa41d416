(function(){
  var cards=Array.prototype.slice.call(document.querySelectorAll('.card'));
  var box=document.getElementById('cards');
  function update(){
    var text=document.getElementById('filter').value.toLowerCase();
    var only=document.getElementById('only-anomalies').checked;
    var key=document.getElementById('sort').value;
    cards.sort(function(a,b){
      if(key==='name'){return a.dataset.name.localeCompare(b.dataset.name);}
      return parseFloat(b.dataset[key])-parseFloat(a.dataset[key]);
    });
    cards.forEach(function(card){
      var show=card.dataset.name.toLowerCase().indexOf(text)>=0 &&
        (!only||card.dataset.anomalies!=='0');
      card.style.display=show?'':'none';
      box.appendChild(card);
    });
  }
  ['filter','only-anomalies','sort'].forEach(function(id){
    document.getElementById(id).addEventListener('input',update);
    document.getElementById(id).addEventListener('change',update);
  });
  update();
})();
