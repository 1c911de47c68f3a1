/** Sign-in: a JWT or an API key, checked against the server before it is kept. */
import { useState } from "react";
import { useLogin, useNotify } from "react-admin";
import Box from "@mui/material/Box";
import Button from "@mui/material/Button";
import Card from "@mui/material/Card";
import CardContent from "@mui/material/CardContent";
import TextField from "@mui/material/TextField";
import Typography from "@mui/material/Typography";

export function LoginPage() {
  const login = useLogin();
  const notify = useNotify();
  const [token, setToken] = useState("");
  const [apiKey, setApiKey] = useState("");
  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    // Then a fresh start: every screen, menu and cached answer is made again for the new actor.
    login({ token, apiKey }, "/").then(
      () => window.location.reload(),
      (error: Error) => notify(error.message, { type: "error" }),
    );
  };
  return (
    <Box sx={{ display: "flex", justifyContent: "center", mt: 8 }}>
      <Card sx={{ width: 420 }}>
        <CardContent component="form" onSubmit={submit}>
          <Typography variant="h5" gutterBottom>
            Sign in to Autograph
          </Typography>
          <Typography variant="body2" color="text.secondary" gutterBottom>
            Paste a JWT, or an API key. (A server started with DEV_ACTOR needs neither.)
          </Typography>
          <TextField
            label="JWT"
            name="token"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            fullWidth
            margin="normal"
            multiline
            maxRows={4}
          />
          <TextField
            label="API key"
            name="apiKey"
            value={apiKey}
            onChange={(e) => setApiKey(e.target.value)}
            fullWidth
            margin="normal"
          />
          <Button type="submit" variant="contained" fullWidth sx={{ mt: 2 }}>
            Sign in
          </Button>
        </CardContent>
      </Card>
    </Box>
  );
}
