-- The nine tables and five enums of the CTO Dashboard v2 schema (seeds/000), with
-- snake_case names, plus what ctodash needs on top: a `version` column for
-- optimistic concurrency and `sla_due_at` so SLA breaches can be counted from an
-- index instead of a scan.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TYPE bug_severity AS ENUM ('critical', 'high', 'medium', 'low');
CREATE TYPE bug_status AS ENUM ('pending', 'in_progress', 'verified', 'shipped', 'closed', 'deferred');
CREATE TYPE project_status AS ENUM ('active', 'shipped', 'deferred', 'cancelled');
CREATE TYPE user_role AS ENUM ('cto', 'manager', 'engineer', 'senior_engineer', 'qa_engineer');
CREATE TYPE import_source AS ENUM ('csv', 'github', 'manual');

CREATE TABLE users (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text        NOT NULL,
    name          text        NOT NULL,
    role          user_role   NOT NULL DEFAULT 'engineer',
    password_hash text,
    avatar_url    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_email_check CHECK (email LIKE '%_@_%'),
    CONSTRAINT users_name_check CHECK (btrim(name) <> '')
);

CREATE TABLE projects (
    id                 uuid           PRIMARY KEY DEFAULT gen_random_uuid(),
    name               text           NOT NULL,
    description        text,
    github_url         text,
    demo_url           text,
    language           text,
    tags               text[]         NOT NULL DEFAULT '{}',
    stars              integer        NOT NULL DEFAULT 0,
    forks              integer        NOT NULL DEFAULT 0,
    last_commit        timestamptz,
    status             project_status NOT NULL DEFAULT 'active',
    arr                numeric(16, 2),
    year1_revenue      numeric(16, 2),
    year3_revenue      numeric(16, 2),
    roi_score          numeric(10, 2),
    dcf_valuation      numeric(16, 2),
    tam                numeric(18, 2),
    sam                numeric(18, 2),
    som_year3          numeric(18, 2),
    traction_mrr       numeric(16, 2),
    margin_percent     numeric(6, 2),
    complexity         integer,
    client_appeal      integer,
    current_milestone  integer        NOT NULL DEFAULT 0,
    total_milestones   integer        NOT NULL DEFAULT 0,
    monthly_infra_cost numeric(14, 2),
    created_at         timestamptz    NOT NULL DEFAULT now(),
    updated_at         timestamptz    NOT NULL DEFAULT now(),
    CONSTRAINT projects_github_url_key UNIQUE (github_url),
    CONSTRAINT projects_name_check CHECK (btrim(name) <> ''),
    CONSTRAINT projects_complexity_check CHECK (complexity >= 1 AND complexity <= 5),
    CONSTRAINT projects_client_appeal_check CHECK (client_appeal >= 0 AND client_appeal <= 10),
    CONSTRAINT projects_stars_check CHECK (stars >= 0),
    CONSTRAINT projects_forks_check CHECK (forks >= 0),
    CONSTRAINT projects_milestones_check
        CHECK (current_milestone >= 0 AND total_milestones >= 0),
    CONSTRAINT projects_margin_percent_check
        CHECK (margin_percent >= -100 AND margin_percent <= 100),
    CONSTRAINT projects_monthly_infra_cost_check CHECK (monthly_infra_cost >= 0)
);

CREATE TABLE bugs (
    id                   uuid         PRIMARY KEY DEFAULT gen_random_uuid(),
    bug_number           text         NOT NULL,
    title                text         NOT NULL,
    description          text,
    severity             bug_severity NOT NULL,
    status               bug_status   NOT NULL DEFAULT 'pending',
    assigned_to          uuid         REFERENCES users (id) ON DELETE SET NULL,
    project_id           uuid         REFERENCES projects (id) ON DELETE SET NULL,
    sla_hours            integer      NOT NULL,
    business_impact      text,
    revenue_impact_daily numeric(14, 2),
    is_blocker           boolean      NOT NULL DEFAULT false,
    priority_score       integer      NOT NULL DEFAULT 50,
    estimated_hours      numeric(10, 2),
    actual_hours         numeric(10, 2),
    created_at           timestamptz  NOT NULL DEFAULT now(),
    updated_at           timestamptz  NOT NULL DEFAULT now(),
    resolved_at          timestamptz,
    created_by           uuid         REFERENCES users (id) ON DELETE SET NULL,
    -- ctodash additions
    version              bigint       NOT NULL DEFAULT 1,
    sla_due_at           timestamptz  NOT NULL,
    CONSTRAINT bugs_bug_number_key UNIQUE (bug_number),
    CONSTRAINT bugs_bug_number_check CHECK (bug_number ~ '^BUG-[0-9]+$'),
    CONSTRAINT bugs_title_check CHECK (btrim(title) <> ''),
    CONSTRAINT bugs_priority_score_check CHECK (priority_score >= 0 AND priority_score <= 100),
    CONSTRAINT bugs_sla_hours_check CHECK (sla_hours > 0),
    CONSTRAINT bugs_revenue_impact_daily_check CHECK (revenue_impact_daily >= 0),
    CONSTRAINT bugs_estimated_hours_check CHECK (estimated_hours >= 0),
    CONSTRAINT bugs_actual_hours_check CHECK (actual_hours >= 0)
);

CREATE TABLE bug_history (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    bug_id        uuid        NOT NULL REFERENCES bugs (id) ON DELETE CASCADE,
    field_changed text        NOT NULL,
    old_value     text,
    new_value     text,
    changed_by    uuid        REFERENCES users (id) ON DELETE SET NULL,
    changed_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE project_metrics (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id    uuid        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    commits_count integer     NOT NULL DEFAULT 0,
    contributors  integer     NOT NULL DEFAULT 0,
    lines_of_code bigint      NOT NULL DEFAULT 0,
    tech_stack    text[]      NOT NULL DEFAULT '{}',
    health_score  integer,
    date          date        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT project_metrics_project_id_date_key UNIQUE (project_id, date),
    CONSTRAINT project_metrics_health_score_check CHECK (health_score >= 0 AND health_score <= 100),
    CONSTRAINT project_metrics_counts_check
        CHECK (commits_count >= 0 AND contributors >= 0 AND lines_of_code >= 0)
);

CREATE TABLE monthly_metrics (
    id                   uuid           PRIMARY KEY DEFAULT gen_random_uuid(),
    month                date           NOT NULL,
    total_bugs           integer        NOT NULL,
    critical_bugs        integer        NOT NULL,
    high_bugs            integer        NOT NULL,
    medium_bugs          integer        NOT NULL,
    low_bugs             integer        NOT NULL,
    eng_hours            numeric(14, 2) NOT NULL,
    total_cost           numeric(16, 2) NOT NULL,
    revenue_impact_daily numeric(16, 2) NOT NULL,
    avg_resolution_days  numeric(10, 2) NOT NULL,
    bugs_created         integer        NOT NULL,
    bugs_resolved        integer        NOT NULL,
    created_at           timestamptz    NOT NULL DEFAULT now(),
    CONSTRAINT monthly_metrics_month_key UNIQUE (month),
    CONSTRAINT monthly_metrics_month_check CHECK (month = date_trunc('month', month)::date)
);

CREATE TABLE portfolio_metrics (
    id                  uuid           PRIMARY KEY DEFAULT gen_random_uuid(),
    total_projects      integer        NOT NULL,
    shipped_projects    integer        NOT NULL,
    year3_revenue_total numeric(18, 2) NOT NULL,
    portfolio_dcf_total numeric(18, 2) NOT NULL,
    monthly_deps_cost   numeric(16, 2) NOT NULL,
    snapshot_date       date           NOT NULL,
    created_at          timestamptz    NOT NULL DEFAULT now(),
    CONSTRAINT portfolio_metrics_snapshot_date_key UNIQUE (snapshot_date)
);

CREATE TABLE import_logs (
    id               uuid          PRIMARY KEY DEFAULT gen_random_uuid(),
    source           import_source NOT NULL,
    records_imported integer       NOT NULL DEFAULT 0,
    records_failed   integer       NOT NULL DEFAULT 0,
    errors           text[]        NOT NULL DEFAULT '{}',
    metadata         jsonb,
    "timestamp"      timestamptz   NOT NULL DEFAULT now()
);

CREATE TABLE audit_log (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid        REFERENCES users (id) ON DELETE SET NULL,
    action      text        NOT NULL,
    entity_type text        NOT NULL,
    entity_id   uuid,
    details     jsonb,
    ip_address  text,
    user_agent  text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Indexes named in the seeds' index strategy.
CREATE INDEX bugs_severity_idx ON bugs (severity);
CREATE INDEX bugs_status_idx ON bugs (status);
CREATE INDEX bugs_assigned_to_idx ON bugs (assigned_to);
CREATE INDEX bugs_project_id_idx ON bugs (project_id);
CREATE INDEX bugs_created_by_idx ON bugs (created_by);
CREATE INDEX bugs_created_at_idx ON bugs (created_at DESC);
CREATE INDEX bugs_priority_score_idx ON bugs (priority_score DESC);
CREATE INDEX bugs_is_blocker_idx ON bugs (is_blocker) WHERE is_blocker = true;

CREATE INDEX projects_status_idx ON projects (status);
CREATE INDEX projects_language_idx ON projects (language);
CREATE INDEX projects_complexity_idx ON projects (complexity);
CREATE INDEX projects_client_appeal_idx ON projects (client_appeal);
CREATE INDEX projects_roi_score_idx ON projects (roi_score DESC);

CREATE INDEX bug_history_bug_id_idx ON bug_history (bug_id, changed_at DESC);
CREATE INDEX bug_history_changed_by_idx ON bug_history (changed_by);
CREATE INDEX bug_history_changed_at_idx ON bug_history (changed_at DESC);
CREATE INDEX project_metrics_date_idx ON project_metrics (date DESC);
CREATE INDEX monthly_metrics_month_idx ON monthly_metrics (month DESC);
CREATE INDEX portfolio_metrics_snapshot_date_idx ON portfolio_metrics (snapshot_date DESC);
CREATE INDEX audit_log_user_id_idx ON audit_log (user_id);
CREATE INDEX audit_log_created_at_idx ON audit_log (created_at DESC);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id);
CREATE INDEX import_logs_timestamp_idx ON import_logs ("timestamp" DESC);

-- ctodash's own indexes: the KPI engine and the bug table read these.
-- SLA breaches: only open, non-deferred bugs can breach, so the index stays small.
CREATE INDEX bugs_sla_due_open_idx ON bugs (sla_due_at)
    WHERE status IN ('pending', 'in_progress', 'verified');
-- Resolved-lately counts and mean time to resolve (covering: no heap visits).
CREATE INDEX bugs_resolved_at_idx ON bugs (resolved_at) INCLUDE (created_at)
    WHERE resolved_at IS NOT NULL;
-- Title search: case-insensitive substring and typo-tolerant matching.
CREATE INDEX bugs_title_trgm_idx ON bugs USING gin (title gin_trgm_ops);
