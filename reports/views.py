"""The board's dashboard (board, coordinators, advisors), its CSV exports, and the staff's drill-down."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from django_htmx.http import push_url, reswap, retarget

from loans.models import Loan
from loans.selectors import with_standing
from microcredit.accounts.models import Role
from microcredit.core.csv_export import csv_response
from microcredit.core.formatting import format_month
from microcredit.core.permissions import scope
from microcredit.core.privacy import board_dates
from microcredit.core.views_mixins import RoleRequiredMixin, StaffRequiredMixin
from reports import charts
from reports.forms import ReportPeriodForm
from reports.selectors import BREAKDOWNS, FIGURES, loans_behind, month_index, portfolio_report
from reports.tables import BREAKDOWN_ROWS, csv_rows, mask_legend, report_tables, table_csv_rows


class DashboardView(RoleRequiredMixin, TemplateView):
    """Aggregates only. ``?format=csv&table=<key>`` downloads one table."""

    allowed_roles = (Role.BOARD, Role.COORDINATOR, Role.ADVISOR)
    template_name = "reports/dashboard.html"

    def get(self, request, *args, **kwargs):
        self.form = ReportPeriodForm(request.GET or None)
        self.as_of, self.start, self.end = self.form.dates()
        self.for_board = request.user.role == Role.BOARD
        if self.for_board:
            # Closed months only: nothing recorded this month shows before the month ends.
            self.as_of, self.start, self.end = board_dates(
                self.as_of, self.start, self.end, today=timezone.localdate()
            )
        self.report = portfolio_report(
            as_of=self.as_of, start=self.start, end=self.end, for_board=self.for_board
        )
        csv_wanted = request.GET.get("format") == "csv"
        self.tables = report_tables(
            self.report, for_board=self.for_board, limit=None if csv_wanted else BREAKDOWN_ROWS
        )
        if csv_wanted:
            if self.form.is_bound and not self.form.is_valid():
                # A file of other dates than those asked for would mislead: say what is wrong instead.
                errors = "\n".join(str(error) for errors in self.form.errors.values() for error in errors)
                return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")
            return self.csv(request.GET.get("table", ""))
        return super().get(request, *args, **kwargs)

    def render_to_response(self, context, **response_kwargs):
        """With htmx (a new period asked from the page), only what changes: the region of figures, and the
        form out of band (its errors gone); a period refused sends the form back with its errors, the figures
        and the address left as they were. A history restore and every request without htmx get the page."""
        htmx = self.request.htmx
        if htmx and not htmx.history_restore_request:
            if self.form.is_bound and not self.form.is_valid():
                response = render(self.request, "reports/_dashboard_form.html", context)
                response = push_url(reswap(retarget(response, "#report-period"), "outerHTML"), False)
            else:
                response = render(
                    self.request, "reports/_dashboard_region.html", {**context, "oob_form": True}
                )
        else:
            response = super().render_to_response(context, **response_kwargs)
        patch_vary_headers(response, ("HX-Request",))
        return response

    def csv(self, key: str) -> HttpResponse:
        table = next((t for t in self.tables if t.key == key), None)
        if table is None:
            raise Http404
        header = [_("As of"), self.as_of, _("Period"), self.start, self.end]
        return csv_response(
            f"{table.key}-{self.as_of.isoformat()}.csv",
            table_csv_rows(table, legend=mask_legend(closed_months=self.for_board), header=header),
        )

    def get_context_data(self, **kwargs):
        trends = self.report["trends"]
        labels = [format_month(row["month"]) for row in trends]
        totals = self.report["totals"]
        hidden = self.report.get("board_hidden", set())

        def monthly(name):
            return [
                None if ("month", month_index(row["month"]), name) in hidden else row[name] for row in trends
            ]

        def monthly_chart(name, title):
            return charts.bar_chart(
                chart_id=f"chart-{name}",
                title=title,
                desc=_("Twelve months up to the as-of date; the figures are in the monthly trends table."),
                labels=labels,
                values=monthly(name),
            )

        context = {
            "form": self.form
            if self.form.is_bound and not self.form.is_valid()
            # The dates the figures are for (a board member's are whole closed months; an end after the
            # as-of date follows it), not only what was typed.
            else ReportPeriodForm(initial={"as_of": self.as_of, "start": self.start, "end": self.end}),
            "report": self.report,
            "tables": self.tables,
            "can_drill_down": not self.for_board,
            "whole_months": self.for_board,
            "legend": mask_legend(closed_months=self.for_board),
            # The PDF comes from the background document mechanism (documents).
            "show_pdf": self.request.user.role in (Role.BOARD, Role.COORDINATOR),
            "query": {
                "as_of": self.as_of.isoformat(),
                "start": self.start.isoformat(),
                "end": self.end.isoformat(),
            },
            "chart_disbursed": monthly_chart("disbursed", _("Amount disbursed per month")),
            "chart_outstanding": monthly_chart(
                "outstanding", _("Outstanding principal at the end of each month")
            ),
            "chart_par": charts.par_chart(
                chart_id="chart-par",
                title=_("Portfolio at risk"),
                desc=_("PAR1, PAR30 and PAR90 in percent of the outstanding principal; see the table."),
                rows=[
                    (f"PAR{days}", None if ("kpi", f"par{days}") in hidden else totals[f"par{days}"])
                    for days in (1, 30, 90)
                ],
            ),
        }
        return super().get_context_data(**context, **kwargs)


# The drill-down's figures by name, as the reader reads them (the query string keeps the codes).
FIGURE_LABELS = {
    "active": gettext_lazy("Active loans"),
    "par1": "PAR1",
    "par30": "PAR30",
    "par90": "PAR90",
    "restructured": gettext_lazy("Restructured loans"),
    "circle": gettext_lazy("Guaranteed by the circle"),
    "individual": gettext_lazy("Individual responsibility"),
    "disbursed": gettext_lazy("Loans disbursed"),
    "repaid": gettext_lazy("Repaid"),
    "written_off": gettext_lazy("Written off"),
}


class DrillDownView(StaffRequiredMixin, TemplateView):
    """The loans behind one figure of the dashboard, for advisors and coordinators."""

    template_name = "reports/drill_down.html"
    paginate_by = 50

    def get_context_data(self, **kwargs):
        form = ReportPeriodForm(self.request.GET or None)
        as_of, start, end = form.dates()
        figure = self.request.GET.get("figure", "")
        breakdown = self.request.GET.get("breakdown", "")
        key = self.request.GET.get("key", "")
        if figure not in FIGURES or (breakdown and breakdown not in BREAKDOWNS):
            raise Http404
        if breakdown and key != "none" and not (key.isascii() and key.isdigit()):
            raise Http404
        behind = loans_behind(figure=figure, as_of=as_of, start=start, end=end, breakdown=breakdown, key=key)
        loans = with_standing(
            scope(self.request.user, Loan.objects.filter(pk__in=behind)).select_related(
                "borrower__user", "product", "circle"
            ),
            as_of=as_of,
        ).order_by("pk")
        page = Paginator(loans, self.paginate_by).get_page(self.request.GET.get("page"))
        return super().get_context_data(
            figure=FIGURE_LABELS.get(figure, figure),
            figure_code=figure,
            breakdown=breakdown,
            as_of=as_of,
            start=start,
            end=end,
            page_obj=page,
            paginator=page.paginator,
            is_paginated=page.has_other_pages(),
            count=page.paginator.count,
            **kwargs,
        )


class CapitalView(RoleRequiredMixin, TemplateView):
    """Community capital: each fund's ledger, the capital available to lend, each fund's use and the loss
    reserve (reports.capital), with each fund's statement. ``?format=csv&table=<key>`` downloads one table."""

    allowed_roles = (Role.BOARD, Role.COORDINATOR)
    template_name = "reports/capital.html"

    def get(self, request, *args, **kwargs):
        from reports.capital import capital_figures, capital_tables

        self.form = ReportPeriodForm(request.GET or None)
        self.as_of, self.start, self.end = self.form.dates()
        self.for_board = request.user.role == Role.BOARD
        hidden = set()
        if self.for_board:
            # Closed months, and the portfolio figures the dashboard hides stay hidden here (the one rule).
            from reports.tables import board_figures

            self.as_of, self.start, self.end = board_dates(
                self.as_of, self.start, self.end, today=timezone.localdate()
            )
            report = portfolio_report(as_of=self.as_of, start=self.start, end=self.end, for_board=True)
            hidden = board_figures(report)
            self.capital = report["capital"]  # the same figures, from the report's one book
        else:
            self.capital = capital_figures(as_of=self.as_of, start=self.start)
        self.tables = capital_tables(self.capital, for_board=self.for_board, hidden=hidden)
        if request.GET.get("format") == "csv":
            if self.form.is_bound and not self.form.is_valid():
                errors = "\n".join(str(error) for errors in self.form.errors.values() for error in errors)
                return HttpResponseBadRequest(errors, content_type="text/plain; charset=utf-8")
            table = next((t for t in self.tables if t.key == request.GET.get("table", "")), None)
            if table is None:
                raise Http404
            header = [_("As of"), self.as_of, _("Period"), self.start, self.end]
            return csv_response(
                f"{table.key}-{self.as_of.isoformat()}.csv",
                table_csv_rows(table, legend=mask_legend(closed_months=self.for_board), header=header),
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            form=self.form
            if self.form.is_bound and not self.form.is_valid()
            # The dates the figures are for (a board member's are whole closed months; an end after the
            # as-of date follows it), not only what was typed.
            else ReportPeriodForm(initial={"as_of": self.as_of, "start": self.start, "end": self.end}),
            tables=self.tables,
            funds=[row["fund"] for row in self.capital["ledgers"]["rows"]],
            whole_months=self.for_board,
            legend=mask_legend(closed_months=self.for_board),
            as_of=self.as_of,
            period_start=self.start,
            period_end=self.end,
            query={
                "as_of": self.as_of.isoformat(),
                "start": self.start.isoformat(),
                "end": self.end.isoformat(),
            },
            **kwargs,
        )


class ImpactView(RoleRequiredMixin, TemplateView):
    """Impact for funders and the network (reports.impact). ``?format=csv`` downloads the annual
    statistics (one row per indicator and year, see the README); ``?format=csv&table=<key>`` one table."""

    allowed_roles = (Role.BOARD, Role.COORDINATOR)
    template_name = "reports/impact.html"

    def get(self, request, *args, **kwargs):
        from reports.impact import impact_report, impact_tables, indicators

        for_board = request.user.role == Role.BOARD
        self.report = impact_report(as_of=timezone.localdate(), for_board=for_board)
        self.as_of = self.report["as_of"]  # the board's: the end of the last closed month
        self.tables = impact_tables(self.report)
        if request.GET.get("format") == "csv":
            key = request.GET.get("table")
            if key:
                table = next((t for t in self.tables if t.key == key), None)
                if table is None:
                    raise Http404
                return csv_response(
                    f"{table.key}-{self.as_of.isoformat()}.csv", table_csv_rows(table, legend=mask_legend())
                )
            header = [_("year"), _("indicator"), _("population"), _("value"), _("unit"), _("label")]
            rows = [
                [year, code, population, value, unit, label]
                for year, code, population, label, value, unit in indicators(self.report)
            ]
            return csv_response(
                f"annual-statistics-{self.as_of.isoformat()}.csv",
                csv_rows(rows, legend=mask_legend(), header=header),
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(tables=self.tables, as_of=self.as_of, legend=mask_legend(), **kwargs)
