/** Where the queue dashboard is served, on the gateway's port or on DASHBOARD_PORT. */
export const DASHBOARD_PATH = '/admin/queues';
