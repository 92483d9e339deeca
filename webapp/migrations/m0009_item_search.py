"""The inbox search and its queue order: `item.search_text` (supplier or customer name, reference, description and
total, lower case) kept by the database itself, so every way an item or a contact's name changes keeps it right,
with a trigram index on PostgreSQL (LIKE '%word%' uses it) and an FTS5 index on SQLite; an index for sorting the
inbox by total."""
import peewee
from playhouse.migrate import migrate

TEXT = {"sqlite": "lower(coalesce((SELECT name FROM contact WHERE id = {row}.contact_id), '') || ' ' || {row}.reference"
                  " || ' ' || {row}.description || ' ' || coalesce(printf('%.2f', {row}.total), ''))",
        "postgres": "lower(coalesce((SELECT name FROM contact WHERE id = {row}.contact_id), '') || ' ' || "
                    "{row}.reference || ' ' || {row}.description || ' ' || coalesce(to_char({row}.total, "
                    "'FM999999999999990.00'), ''))"}
WATCHED = "contact_id, reference, description, total"


def up(db, migrator):
    # filled by the database's triggers (the app never writes it), NULL until they have
    migrate(migrator.add_column("item", "search_text", peewee.TextField(null=True)),
            migrator.add_index("item", ("business_id", "workspace", "total"), False))  # sorting by total
    if isinstance(db, peewee.PostgresqlDatabase):
        _postgres(db)
    else:
        _sqlite(db)


def _postgres(db):
    text = TEXT["postgres"]
    db.execute_sql(f"""CREATE FUNCTION item_search_text() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN NEW.search_text := {text.format(row='NEW')}; RETURN NEW; END $$""")
    db.execute_sql(f"CREATE TRIGGER item_search_text BEFORE INSERT OR UPDATE OF {WATCHED} ON item "
                   "FOR EACH ROW EXECUTE FUNCTION item_search_text()")
    db.execute_sql("""CREATE FUNCTION contact_renamed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN UPDATE item SET contact_id = contact_id WHERE contact_id = NEW.id; RETURN NULL; END $$""")
    db.execute_sql("CREATE TRIGGER contact_renamed AFTER UPDATE OF name ON contact FOR EACH ROW "
                   "WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION contact_renamed()")
    db.execute_sql(f"UPDATE item SET search_text = {TEXT['postgres'].format(row='item')}")
    try:
        with db.atomic():
            db.execute_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        db.execute_sql("CREATE INDEX item_search_trgm ON item USING gin (search_text gin_trgm_ops)")
    except peewee.DatabaseError:  # a role that may not create extensions: search works, unindexed
        pass


def _sqlite(db):
    text = TEXT["sqlite"]
    # FTS5 keeps its own copy (not an external-content table, whose index breaks when told to forget a value it
    # never indexed: a row inserted with its search_text already set)
    db.execute_sql("CREATE VIRTUAL TABLE item_search USING fts5(search_text, tokenize='trigram')")
    refresh = f"UPDATE item SET search_text = {text.format(row='item')} WHERE id = NEW.id;"
    db.execute_sql(f"CREATE TRIGGER item_search_insert AFTER INSERT ON item BEGIN {refresh} END")
    db.execute_sql(f"CREATE TRIGGER item_search_update AFTER UPDATE OF {WATCHED} ON item BEGIN {refresh} END")
    db.execute_sql("CREATE TRIGGER item_search_index_update AFTER UPDATE OF search_text ON item BEGIN "
                   "DELETE FROM item_search WHERE rowid = NEW.id; "
                   "INSERT INTO item_search(rowid, search_text) SELECT NEW.id, NEW.search_text "
                   "WHERE NEW.search_text IS NOT NULL; END")
    db.execute_sql("CREATE TRIGGER item_search_index_delete AFTER DELETE ON item BEGIN "
                   "DELETE FROM item_search WHERE rowid = OLD.id; END")
    db.execute_sql("CREATE TRIGGER contact_renamed AFTER UPDATE OF name ON contact WHEN OLD.name IS NOT NEW.name "
                   f"BEGIN UPDATE item SET search_text = {text.format(row='item')} WHERE contact_id = NEW.id; END")
    db.execute_sql(f"UPDATE item SET search_text = {text.format(row='item')}")
