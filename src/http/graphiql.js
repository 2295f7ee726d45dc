// muster's GraphiQL: the editor, against this server's /graphql. Put your token in the
// Headers pane: {"Authorization": "Bearer mst_..."} (it is not kept in the browser). Headers
// must be ASCII: fetch refuses anything else.
(function () {
  const fetcher = GraphiQL.createFetcher({ url: new URL('/graphql', window.location.href).href });
  const root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      defaultHeaders: '{\n  "Authorization": "Bearer <your mst_ token>"\n}',
      defaultQuery: '{\n  viewer { name organization { name } }\n  members(first: 10) { totalCount nodes { id email roles { name } } }\n}\n',
    }),
  );
})();
