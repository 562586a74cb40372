// The sign-in form: says why the last attempt failed (the server sends the reason in the query).
const REASONS = {
  token: "That is not the admin token.",
  code:
    "That login link has been used already, or is not this squint's. Restart squint for a new one, or sign in with SQUINT_ADMIN_TOKEN.",
};

const failed = new URLSearchParams(location.search).get("failed");
const message = document.getElementById("failed");
if (failed && REASONS[failed]) {
  message.textContent = REASONS[failed];
  message.hidden = false;
}
