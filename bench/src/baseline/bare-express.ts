// The bare Express route qforge's status reads are compared with: the same express version, one
// GET handler answering a fixed JSON body of the same size as qforge's Batch (BODY env).
import express from "express";

const body: unknown = JSON.parse(process.env.BODY ?? "{}");
const app = express();
app.get("/api/v1/batches/:id", (_req, res) => {
  res.json(body);
});
const server = app.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  console.log(JSON.stringify({ listening: true }));
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
