/** A GraphiQL page whose scripts come from Kabar itself (see server.ts), so it needs no CDN. */
export function graphiqlHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>Kabar GraphQL</title>
  <link rel="stylesheet" href="/graphiql/graphiql/graphiql.min.css" />
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="/graphiql/react/react.production.min.js"></script>
  <script src="/graphiql/react-dom/react-dom.production.min.js"></script>
  <script src="/graphiql/graphiql/graphiql.min.js"></script>
  <script>
    const url = location.origin + '/graphql';
    const fetcher = GraphiQL.createFetcher({ url });
    const defaultHeaders = JSON.stringify({ Authorization: 'Bearer <paste a token printed by npm start>' }, null, 2);
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, { fetcher, defaultHeaders, shouldPersistHeaders: true, defaultQuery: '{\\n  tenant { id name }\\n  creditBalance { currency balance }\\n}\\n' }),
    );
  </script>
</body>
</html>`;
}
