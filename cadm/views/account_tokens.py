"""The logged-in user's API tokens: list, create (the secret is shown once, on the page that
answers the creation, and is never stored), revoke."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from cadm.api.models import ApiToken
from cadm.exceptions import DomainError
from cadm.services.api_tokens import api_token_create, api_token_revoke


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What will use it, e.g. 'nightly export'.")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    form = TokenForm(request.POST or None)
    created = secret = None
    if request.method == "POST" and form.is_valid():
        try:
            created, secret = api_token_create(actor=request.user,
                                               name=form.cleaned_data["name"])
        except DomainError as exc:
            form.add_error("name", str(exc))
        else:
            form = TokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "cadm/account_tokens.html", {
        "form": form, "tokens": tokens, "created": created, "secret": secret,
    })


@login_required
@require_POST
def token_revoke(request, public_id):
    token = get_object_or_404(ApiToken, public_id=public_id, user=request.user)
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("account-tokens")
