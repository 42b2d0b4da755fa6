"""Sign-in (password, then TOTP when enrolled), password change, TOTP enrolment, and the pages
of the system administrator (users) and the security administrator (locks, administrator posts)."""

import time
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import FormView, TemplateView

from accounts import forms, selectors, services, totp
from accounts.middleware import EXPIRY_WARNED, session_start
from accounts.models import User
from accounts.policy import policy
from core.requestlocal import client_address
from regions.views import paginate

PENDING = "jiceng_mfa_pending"


def complete_login(request, user, *, second_factor: bool = False) -> None:
    auth_login(request, user, backend=getattr(user, "backend", None) or "accounts.backends.AccountBackend")
    session_start(request)
    services.login_success_record(user=user, second_factor=second_factor)


class SignInView(auth_views.LoginView):
    """Step one: user name and password. Users with a second factor go on to step two."""

    template_name = "accounts/login.html"
    form_class = forms.SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        if user.totp_enrolled:
            self.request.session[PENDING] = {
                "user": user.pk,
                "backend": user.backend,
                "at": int(time.time()),
                "next": self.get_success_url(),
            }
            return redirect("accounts:totp_verify")
        complete_login(self.request, user)
        return redirect(self.get_success_url())


class TotpVerifyView(FormView):
    """Step two: the six-digit code of the user's authenticator. Wrong codes count as failed
    sign-ins (and lock like them)."""

    template_name = "accounts/totp_verify.html"
    form_class = forms.TotpCodeForm

    def dispatch(self, request, *args, **kwargs):
        pending = request.session.get(PENDING)
        if not pending or time.time() - pending["at"] > policy().mfa_pending_minutes * 60:
            request.session.pop(PENDING, None)
            messages.info(request, _("请重新输入用户名和密码。"))
            return redirect("accounts:login")
        self.pending = pending
        self.pending_user = User.objects.filter(pk=pending["user"], is_active=True).first()
        if self.pending_user is None:
            request.session.pop(PENDING, None)
            return redirect("accounts:login")
        return super().dispatch(request, *args, **kwargs)

    def _to_login(self, locks):
        self.request.session.pop(PENDING, None)
        messages.error(self.request, services.lock_message(locks))
        return redirect("accounts:login")

    def form_valid(self, form):
        user, address = self.pending_user, client_address(self.request)
        locks = services.active_locks(username=user.username, address=address)
        if locks:
            services.login_failure_record(username=user.username, address=address)
            return self._to_login(locks)
        if services.totp_check(user=user, code=form.cleaned_data["code"]):
            self.request.session.pop(PENDING, None)
            user.backend = self.pending["backend"]
            complete_login(self.request, user, second_factor=True)
            return redirect(self.pending["next"] or reverse("core:home"))
        locks = services.login_failure_record(username=user.username, address=address, reason=_("动态口令错误"))
        if locks:
            return self._to_login(locks)
        form.add_error("code", _("动态口令不正确或已过期，请输入验证器中当前显示的 6 位数字。"))
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordChangeView(LoginRequiredMixin, FormView):
    template_name = "accounts/password_change.html"
    form_class = forms.PasswordChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        from accounts.policy import password_expires_at

        context = super().get_context_data(**kwargs)
        context.update(policy=policy(), expires_at=password_expires_at(self.request.user))
        return context

    def form_valid(self, form):
        user = services.password_set(
            user=self.request.user, password=form.cleaned_data["new_password2"], validate=False
        )
        update_session_auth_hash(self.request, user)
        self.request.session.pop(EXPIRY_WARNED, None)
        messages.success(self.request, _("密码已修改。"))
        return redirect("core:home")

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class TotpEnrolView(LoginRequiredMixin, FormView):
    """Bind an authenticator app: a QR code (and the secret, to type in), then one code to confirm."""

    template_name = "accounts/totp_enrol.html"
    form_class = forms.TotpCodeForm

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if not user.totp_enrolled:
            secret = services.totp_start(user=user)
            uri = totp.provisioning_uri(secret, account=user.username, issuer="Jiceng")
            context.update(
                secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
                qr_svg=mark_safe(segno.make(uri, error="m").svg_inline(scale=4, title=_("动态口令二维码"))),  # noqa: S308 - segno's own SVG
            )
        return context

    def form_valid(self, form):
        try:
            services.totp_confirm(user=self.request.user, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
            return self.form_invalid(form)
        messages.success(self.request, _("动态口令已绑定，今后登录时需输入验证器中的 6 位数字。"))
        return redirect("core:home")

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


# ---------------------------------------------------------------------------------------------
# System administrator: users and their business posts


class UserListView(PermissionRequiredMixin, TemplateView):
    permission_required = "accounts.view_user"
    template_name = "accounts/user_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "").strip()[:50]
        rows = selectors.user_list(actor=self.request.user, query=query)
        context.update(
            query=query, page_obj=paginate(self.request, rows), querystring=urlencode({"q": query}) if query else ""
        )
        return context


class UserCreateView(PermissionRequiredMixin, FormView):
    permission_required = "accounts.add_user"
    template_name = "accounts/user_form.html"
    form_class = forms.UserCreateForm

    def form_valid(self, form):
        try:
            user = services.user_create(
                actor=self.request.user,
                username=form.cleaned_data["username"],
                display_name=form.cleaned_data["display_name"],
                password=form.cleaned_data["password2"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已创建用户 %(name)s，首次登录时须修改密码。") % {"name": user.username})
        return redirect("accounts:user_detail", pk=user.pk)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


def _user_detail(request, user, *, status=200, reset_form=None, post_form=None):
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": user,
            "posts": selectors.business_post_list(actor=request.user, user=user),
            "reset_form": reset_form or forms.PasswordPairForm(user=user),
            "post_form": post_form or forms.PostAssignForm(actor=request.user, admin_roles=False),
            "locks": services.active_locks(username=user.username, address=None),
        },
        status=status,
    )


class UserDetailView(PermissionRequiredMixin, View):
    permission_required = "accounts.change_user"

    def get(self, request, pk):
        return _user_detail(request, selectors.user_get(actor=request.user, pk=pk))


class UserActionView(PermissionRequiredMixin, View):
    """POST-only actions on one user; a refused action re-renders the page with the reason (400)."""

    permission_required = "accounts.change_user"

    def post(self, request, pk, **kwargs):
        user = selectors.user_get(actor=request.user, pk=pk)
        try:
            return self.act(request, user, **kwargs)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
            return _user_detail(request, user, status=400)


class UserActiveView(UserActionView):
    def act(self, request, user):
        active = request.POST.get("active") == "1"
        services.user_set_active(actor=request.user, user=user, active=active)
        messages.success(request, _("账户已启用。") if active else _("账户已停用。"))
        return redirect("accounts:user_detail", pk=user.pk)


class UserPasswordResetView(UserActionView):
    def act(self, request, user):
        form = forms.PasswordPairForm(request.POST, user=user)
        if not form.is_valid():
            return _user_detail(request, user, status=400, reset_form=form)
        services.user_password_reset(actor=request.user, user=user, password=form.cleaned_data["password2"])
        messages.success(request, _("密码已重置，该用户下次登录时须修改密码。"))
        return redirect("accounts:user_detail", pk=user.pk)


class UserPostAssignView(UserActionView):
    permission_required = "accounts.grant_post"

    def act(self, request, user):
        form = forms.PostAssignForm(request.POST, actor=request.user, admin_roles=False)
        if not form.is_valid():
            return _user_detail(request, user, status=400, post_form=form)
        services.post_assign(
            actor=request.user, user=user, role=form.cleaned_data["role"], region=form.cleaned_data["region"]
        )
        messages.success(request, _("岗位已授予。"))
        return redirect("accounts:user_detail", pk=user.pk)


class UserPostRevokeView(UserActionView):
    permission_required = "accounts.grant_post"

    def act(self, request, user, post_pk):
        post = selectors.business_post_get(actor=request.user, pk=post_pk)
        if post.user_id != user.pk:
            return _user_detail(request, user, status=404)
        services.post_revoke(actor=request.user, post=post)
        messages.success(request, _("岗位已撤销。"))
        return redirect("accounts:user_detail", pk=user.pk)


# ---------------------------------------------------------------------------------------------
# Security administrator: locks, second factors, administrator posts


def _security(request, *, status=200, post_form=None, totp_form=None):
    return render(
        request,
        "accounts/security.html",
        {
            "policy": policy(),
            "locks": selectors.lock_list(actor=request.user),
            "admin_posts": selectors.admin_post_list(actor=request.user),
            "post_form": post_form or forms.AdminPostAssignForm(actor=request.user, initial={"region": "51"}),
            "totp_form": totp_form or forms.UsernameForm(),
        },
        status=status,
    )


class SecurityView(PermissionRequiredMixin, View):
    permission_required = "accounts.unlock_user"

    def get(self, request):
        return _security(request)


class SecurityActionView(PermissionRequiredMixin, View):
    permission_required = "accounts.unlock_user"

    def post(self, request, **kwargs):
        try:
            return self.act(request, **kwargs)
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
            return _security(request, status=400)


class LockReleaseView(SecurityActionView):
    def act(self, request, pk):
        throttle = selectors.lock_list(actor=request.user).filter(pk=pk).first()
        if throttle is None:
            messages.error(request, _("该锁定已解除或不存在。"))
            return _security(request, status=404)
        services.login_lock_release(actor=request.user, throttle=throttle)
        messages.success(request, _("已解除锁定：%(key)s") % {"key": throttle.key})
        return redirect("accounts:security")


class TotpResetView(SecurityActionView):
    def act(self, request):
        form = forms.UsernameForm(request.POST)
        if not form.is_valid():
            return _security(request, status=400, totp_form=form)
        services.totp_reset(actor=request.user, user=form.cleaned_data["username"])
        messages.success(request, _("已重置动态口令，该用户下次登录时须重新绑定。"))
        return redirect("accounts:security")


class AdminPostAssignView(SecurityActionView):
    permission_required = "accounts.grant_admin_post"

    def act(self, request):
        form = forms.AdminPostAssignForm(request.POST, actor=request.user)
        if not form.is_valid():
            return _security(request, status=400, post_form=form)
        services.post_assign(
            actor=request.user,
            user=form.cleaned_data["username"],
            role=form.cleaned_data["role"],
            region=form.cleaned_data["region"],
        )
        messages.success(request, _("岗位已授予。"))
        return redirect("accounts:security")


class AdminPostRevokeView(SecurityActionView):
    permission_required = "accounts.grant_admin_post"

    def act(self, request, pk):
        services.post_revoke(actor=request.user, post=selectors.admin_post_get(actor=request.user, pk=pk))
        messages.success(request, _("岗位已撤销。"))
        return redirect("accounts:security")
